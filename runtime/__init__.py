"""Inference without TensorFlow: numpy plus one interpreter, loaded lazily."""
