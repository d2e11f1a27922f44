// Declaration-only stand-in for tflite-micro's micro_log.h (see ../../../README.md).
#ifndef TENSORFLOW_LITE_MICRO_MICRO_LOG_H_
#define TENSORFLOW_LITE_MICRO_MICRO_LOG_H_

void MicroPrintf(const char* format, ...);

#endif  // TENSORFLOW_LITE_MICRO_MICRO_LOG_H_
