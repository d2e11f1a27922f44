"""cnnkit's toolkit: the CLI, MNIST data, the reference CNN, training and verification.

Importing this package is cheap: TensorFlow is imported only by the modules that
build or train a model (``toolkit.model``, ``toolkit.train``).
"""
