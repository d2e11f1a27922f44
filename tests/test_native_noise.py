"""The libraries' notes written to descriptor 2 are dropped; everything else still reaches the terminal."""

import subprocess
import sys
import textwrap

WRITER = textwrap.dedent(
    """
    import os, sys
    from core.native_noise import filtered_stderr
    with filtered_stderr():
        os.write(2, b"I0000 00:00:1795688238.672464   17478 cudart_stub.cc:31] Could not find cuda drivers\\n")
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.\\n")
        os.write(2, b"WARNING:absl:Please consider providing the trackable_obj argument in the from_concrete_functions.\\n")
        os.write(2, b"fully_quantize: 0, inference_type: 6, input_inference_type: UINT8, output_inference_type: FLOAT32\\n")
        os.write(2, b"E0000 00:00:1.2 17478 model.cc:12] a real failure inside the interpreter\\n")
        print("error: model.tflite is not a loadable TFLite model", file=sys.stderr, flush=True)
        os.write(2, b"a line without its end")
    print("stdout is untouched")
    """
)


def test_library_notes_are_dropped_and_real_messages_kept_in_order():
    completed = subprocess.run([sys.executable, "-c", WRITER], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "stdout is untouched\n"
    assert completed.stderr.splitlines() == [
        "E0000 00:00:1.2 17478 model.cc:12] a real failure inside the interpreter",
        "error: model.tflite is not a loadable TFLite model",
        "a line without its end",
    ]


def test_an_exception_inside_still_shows_its_traceback():
    code = "from core.native_noise import filtered_stderr\nwith filtered_stderr():\n    raise RuntimeError('boom')\n"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 1 and "RuntimeError: boom" in completed.stderr
