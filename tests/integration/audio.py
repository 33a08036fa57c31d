"""Audio for the softphone tests: tone WAVs in, analysis of what came out."""
import math
import struct
import wave


def write_tone(path, freq, seconds, amplitude=8000, rate=8000, channels=1):
    """An S16 WAV of a sine tone (the same in every channel)."""
    w = wave.open(path, "wb")
    w.setnchannels(channels)
    w.setsampwidth(2)
    w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(amplitude * math.sin(2 * math.pi * freq * i / rate)))
                           * channels for i in range(rate * seconds)))
    w.close()


def analyse(path, skip=0.2):
    """(seconds, RMS, frequency by zero crossings) of an S16 WAV's first
    channel; the first and last `skip` seconds are left out.  None when
    the file is not S16."""
    w = wave.open(path)
    if w.getsampwidth() != 2:
        return None
    rate, ch = w.getframerate(), w.getnchannels()
    data = w.readframes(w.getnframes())
    w.close()
    s = struct.unpack(f"<{len(data) // 2}h", data)[::ch]
    cut = int(rate * skip)
    mid = s[cut:len(s) - cut]
    if len(mid) < rate:
        return (len(s) / rate, 0.0, 0.0)
    rms = math.sqrt(sum(x * x for x in mid) / len(mid))
    crossings = sum(1 for a, b in zip(mid, mid[1:]) if (a < 0) != (b < 0))
    return (len(s) / rate, rms, crossings * rate / len(mid) / 2)


def read_mono(path):
    """(rate, samples of the first channel) of an S16 WAV, or None."""
    w = wave.open(path)
    if w.getsampwidth() != 2:
        w.close()
        return None
    rate, ch = w.getframerate(), w.getnchannels()
    data = w.readframes(w.getnframes())
    w.close()
    return rate, struct.unpack(f"<{len(data) // 2}h", data)[::ch]


def tone_share(samples, rate, freq):
    """The share of the samples' energy at freq (Goertzel): about 1 for a
    pure tone at freq, about 0 for one elsewhere."""
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = energy = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
        energy += x * x
    if not energy:
        return 0.0
    return 2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (len(samples) * energy)
