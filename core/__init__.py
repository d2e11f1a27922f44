"""The ground floor: what every cnnkit package shares, importing nothing of the project.

``core.errors`` (the error classes), ``core.atomic`` (atomic writes) and
``core.contract`` (the model contract and its metadata record). Standard library only.
"""

__version__ = "0.1.0"
