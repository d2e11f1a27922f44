"""The live camera demo: capture, overlay and the loop, on top of ``runtime``."""
