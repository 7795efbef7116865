"""What the voices say: the narration's speech form (output/speech.py), and the neural voice speaking
it with the network off. Every scene's beats are checked against the speech form in test_scenes.py
(the renders it makes anyway) and test_own_pair.py (another language pair)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from output import speech, voice

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(("written", "said"), [
    ("its weight α as the model writes", "its weight alpha as the model writes"),
    ("one number e_ij per word", "one number e i j per word"),
    ("one number e_1j per word", "one number e 1 j per word"),
    ("only that last state, h_T: the context vector", "only that last state, h T: the context vector"),
    ("a new s_{i-1}, new scores", "a new s i minus 1, new scores"),
    ("a new sᵢ₋₁ and eᵢⱼ", "a new s i minus 1 and e i j"),  # the subtitles' Unicode form reads the same
    ("its weight α_ij", "its weight alpha i j"),
    ("Almost all of it, 92%, goes", "Almost all of it, 92 percent, goes"),
    ("The highest score, +18.3, is for 'economic'", "The highest score, plus 18.3, is for 'economic'"),
    ("a change of -0.4 or −2", "a change of minus 0.4 or minus 2"),
    ("of the 1–10-word sentences", "of the 1 to 10-word sentences"),
    ("sentences of 31-40 words", "sentences of 31 to 40 words"),
    ("that makes 4 × 4 = 16 weights", "that makes 4 times 4 equals 16 weights"),
    ("It stops when it writes <eos>, its end-of-sentence token.", "It stops when it writes E O S, its "
                                                                  "end-of-sentence token."),
    ("(12 words and '<sos>')", "(12 words and 'S O S')"),
    ("it writes ‹eos›", "it writes E O S"),
    ("so after exp its weight", "so after the exponential its weight"),
    ("the word before it, h_{t+1}", "the word before it, h t plus 1"),
])
def test_the_speech_form_says_symbols_as_words(written, said):
    assert speech.spoken(written) == said
    assert speech.unspoken(said) == []


def test_symbols_a_voice_would_not_say_are_named():
    assert speech.unspoken("a_b costs 3 $ / 4 # ∑") == ["#", "$", "/", "_", "∑", "a_b"]
    assert speech.unspoken("Its real output, 'la zone économique européenne', is right; grün (1.5) too?") == []
    assert speech.word_count("It is 0.1 and 4.7, the 4 'the's; 1,000 words") == 10


def test_a_missing_neural_voice_is_bad_input(monkeypatch):
    monkeypatch.setattr(voice, "neural_available", lambda: False)
    with pytest.raises(voice.VoiceError, match="hibari-tts"):
        voice.check("neural")


OFFLINE_SYNTHESIS = """
import socket, sys
from pathlib import Path

def refuse(*args, **kwargs):
    raise OSError("network refused by the test")

socket.socket.connect = socket.socket.connect_ex = refuse  # no connection, even where a namespace has a route
socket.getaddrinfo = socket.create_connection = refuse
from output import voice

voice.SYNTH_CACHE = Path(sys.argv[1])  # an empty cache: the voice must really speak
print(voice.synthesise("It stops when it writes <eos>, its end-of-sentence token.", "neural"))
"""


def test_the_neural_voice_speaks_with_the_network_off(tmp_path):
    """In a process whose sockets refuse to connect, and, where this machine allows (root), in a
    network namespace of its own with no interface up (unshare -n)."""
    command = [sys.executable, "-c", OFFLINE_SYNTHESIS, str(tmp_path / "cache")]
    isolated = shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    proc = subprocess.run((["unshare", "-n"] if isolated else []) + command, cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    wav = Path(proc.stdout.strip())
    samples = voice.decode(wav)
    seconds = len(voice.trim_silence(samples)) / voice.RATE
    said = speech.spoken("It stops when it writes <eos>, its end-of-sentence token.")
    assert 130 <= speech.word_count(said) / seconds * 60 <= 190  # a pace a listener follows
    assert np.abs(samples).max() < 0.999  # nothing clipped


def test_the_neural_voice_reads_every_sound_of_a_speech_form():
    """Nothing of a speech form is dropped on its way to the model: every phoneme the voice's own
    text-to-phoneme step makes is one the model knows (hibari drops unknown ones silently)."""
    tts = voice.neural_model()
    text = speech.spoken("The decoder's state s_2 is scored against every h_j: e_ij, +18.3, 92%, 4 × 4 = 16, <eos>.")
    phonemes = "".join(tts.phonemize(text))
    assert phonemes and set(phonemes) <= set(tts.vocab)
    assert voice.describe("neural").startswith("neural: hibari-tts 0.2.1, voice heart")
    assert json.dumps(voice.neural_settings())  # what the cache keys hold is plain data


def test_the_recording_script_gives_a_speech_form_beside_the_text(tmp_path):
    beats = [voice.Beat("attention-weights", "sum", "The sum, c_i, is 92% of it.", 3.0)]
    voice.write_script(beats, tmp_path / "script.json")
    row, = json.loads((tmp_path / "script.json").read_text(encoding="utf-8"))
    assert row["text"] == "The sum, cᵢ, is 92% of it." and row["speech"] == "The sum, c i, is 92 percent of it."
    voice.write_script(beats, tmp_path / "script.csv")
    header, values = (tmp_path / "script.csv").read_text(encoding="utf-8").splitlines()
    assert header.endswith(",text,speech") and values.endswith(",\"The sum, c i, is 92 percent of it.\"")
