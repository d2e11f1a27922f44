"""Export a trained Keras model to TFLite and ONNX (one module per format)."""
