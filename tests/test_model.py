import pytest

keras = pytest.importorskip("keras")

from toolkit.model import PARAMETER_COUNT, build_model  # noqa: E402


def test_build_model_is_exactly_the_reference_network():
    model = build_model()
    described = [
        (type(layer).__name__, getattr(layer, "filters", None) or getattr(layer, "units", None))
        for layer in model.layers
    ]
    assert described == [
        ("Conv2D", 32),
        ("MaxPooling2D", None),
        ("Conv2D", 64),
        ("MaxPooling2D", None),
        ("Flatten", None),
        ("Dense", 128),
        ("Dropout", None),
        ("Dense", 10),
    ]
    conv1, pool1, conv2, pool2, _, dense, dropout, out = model.layers
    assert conv1.kernel_size == conv2.kernel_size == (3, 3)
    assert pool1.pool_size == pool2.pool_size == (2, 2)
    assert [layer.activation.__name__ for layer in (conv1, conv2, dense, out)] == ["relu", "relu", "relu", "softmax"]
    assert dropout.rate == 0.5
    assert tuple(model.input_shape) == (None, 28, 28, 1)
    assert tuple(model.output_shape) == (None, 10)
    assert model.count_params() == PARAMETER_COUNT == 225_034
