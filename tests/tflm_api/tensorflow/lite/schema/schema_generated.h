// Declaration-only stand-in for TFLite's schema_generated.h (see ../../../README.md).
#ifndef TENSORFLOW_LITE_SCHEMA_SCHEMA_GENERATED_H_
#define TENSORFLOW_LITE_SCHEMA_SCHEMA_GENERATED_H_

#include <cstdint>

namespace tflite {
struct Model {
  uint32_t version() const;
};
inline const Model* GetModel(const void* buf) { return static_cast<const Model*>(buf); }
}  // namespace tflite

#endif  // TENSORFLOW_LITE_SCHEMA_SCHEMA_GENERATED_H_
