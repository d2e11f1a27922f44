// Declaration-only stand-in for tflite-micro's micro_mutable_op_resolver.h (see ../../../README.md).
#ifndef TENSORFLOW_LITE_MICRO_MICRO_MUTABLE_OP_RESOLVER_H_
#define TENSORFLOW_LITE_MICRO_MICRO_MUTABLE_OP_RESOLVER_H_

#include "tensorflow/lite/micro/micro_interpreter.h"

namespace tflite {
template <unsigned int tOpCount>
class MicroMutableOpResolver : public MicroOpResolver {
 public:
  TfLiteStatus AddAveragePool2D();
  TfLiteStatus AddConv2D();
  TfLiteStatus AddDepthwiseConv2D();
  TfLiteStatus AddDequantize();
  TfLiteStatus AddFullyConnected();
  TfLiteStatus AddMaxPool2D();
  TfLiteStatus AddPack();
  TfLiteStatus AddQuantize();
  TfLiteStatus AddRelu();
  TfLiteStatus AddReshape();
  TfLiteStatus AddShape();
  TfLiteStatus AddSoftmax();
  TfLiteStatus AddStridedSlice();
};
}  // namespace tflite

#endif  // TENSORFLOW_LITE_MICRO_MICRO_MUTABLE_OP_RESOLVER_H_
