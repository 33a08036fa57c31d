"""Audio for the softphone tests: tone WAVs in, analysis of what came out."""
import array
import math
import struct
import sys
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


def read_samples(path):
    """(rate, samples) of an S16 WAV's first channel, samples an
    array('h') (compact and quick to slice)."""
    w = wave.open(path)
    rate, ch = w.getframerate(), w.getnchannels()
    data = array.array("h")
    data.frombytes(w.readframes(w.getnframes()))
    w.close()
    if sys.byteorder != "little":
        data.byteswap()
    return rate, data[::ch] if ch > 1 else data


def rms(samples):
    return math.sqrt(sum(x * x for x in samples) / len(samples)) if samples else 0.0


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
    pure tone at freq, about 0 for a tone elsewhere or for music."""
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = energy = 0.0
    for x in samples:
        s1, s2 = x + coeff * s1 - s2, s1
        energy += x * x
    if not energy:
        return 0.0
    return 2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (len(samples) * energy)


def _envelope(samples, block):
    return [sum(map(abs, samples[i:i + block])) for i in range(0, len(samples) - block + 1, block)]


def _ncc(a, b):
    """Normalized cross-correlation of two equal-length sequences."""
    num = sum(x * y for x, y in zip(a, b))
    den = math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))
    return num / den if den else 0.0


def find_excerpt(reference, excerpt, lo, hi, block=80):
    """Where in reference[lo:hi + len(excerpt)] the excerpt is: (offset,
    normalized correlation).  The envelopes of `block` samples are matched
    first, then the three best block offsets are refined sample by sample
    (pure Python: keep the excerpt to a fraction of a second and the range
    to a few seconds)."""
    lo, hi = max(0, lo), min(hi, len(reference) - len(excerpt))
    if hi <= lo:
        return None, 0.0
    ex = _envelope(excerpt, block)
    env = _envelope(reference[lo - lo % block:hi + len(excerpt) + block], block)
    base = lo - lo % block
    coarse = sorted(range(0, max(1, len(env) - len(ex) + 1)),
                    key=lambda i: -_ncc(env[i:i + len(ex)], ex))[:3]
    best = (None, -1.0)
    for i in coarse:
        for off in range(max(lo, base + i * block - block), min(hi, base + i * block + block)):
            c = _ncc(reference[off:off + len(excerpt)], excerpt)
            if c > best[1]:
                best = (off, c)
    return best
