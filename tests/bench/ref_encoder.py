"""ref_encoder.py: the original Python backend's run-length encoder, rewritten from PROTOCOL.md section 3, timed on bench_codec's pages.

usage: python3 tests/bench/ref_encoder.py --text-png TEXT.png [--runs 3] [--original DIR] [--json FILE]

The reference works as the original did: Pillow for the image, then one
Python step per pixel. Pages (384 x 10,000 like bench_codec's): the text
page is TEXT.png (sirius-codec render of bench_codec's 600 lines) cut or
padded to 10,000 rows; the noise page is random grey dithered by Pillow
(Floyd-Steinberg, also timed). PNG read and write are Pillow's (libpng and
zlib in C).
Times are CPU seconds of this process (time.process_time), as bench_codec
measures its thread. With --original DIR (a checkout of the original
backend), its own encoder is timed on the same pages too.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import time

from PIL import Image

WIDTH, ROWS = 384, 10000
CHUNKS = [(1536, 255), (1152, 254), (768, 253), (384, 252), (251, 251)]


def run_bytes(length, out):
    """Appends the code of one run of length pixels (PROTOCOL.md 3)."""
    if length <= 251:
        out.append(length)
        return
    first = True
    while length > 251:
        for size, code in CHUNKS:
            if size <= length:
                break
        if not first:
            out.append(0)
        out.append(code)
        first = False
        length -= size
    if length > 0:
        out.append(0)
        out.append(length)


def encode(image):
    """Run-length code of a mode "1" image: rotated 180 degrees, runs alternating white, black, ... from white."""
    pixels = image.rotate(180).getdata()
    out = bytearray()
    colour, run = 255, 0
    for p in pixels:
        if p == colour:
            run += 1
        else:
            run_bytes(run, out)
            colour, run = p, 1
    run_bytes(run, out)
    return bytes(out)


def decode(code, width=WIDTH):
    """The mode "1" image a run-length code describes (the inverse of encode)."""
    sizes = {code: size for size, code in CHUNKS}
    pixels = bytearray()
    colour, i, n = 255, 0, len(code)
    while i < n:
        b = code[i]
        i += 1
        total = sizes.get(b, b)
        # a 0 after a chunk byte continues the run: with another chunk, or with the remainder
        while b >= 251 and i + 1 < n and code[i] == 0:
            b = code[i + 1]
            total += sizes.get(b, b)
            i += 2
        pixels += bytes([colour]) * total
        colour ^= 255
    return Image.frombytes("L", (width, len(pixels) // width), bytes(pixels)).convert("1").rotate(180)


def text_page(path):
    src = Image.open(path).convert("L")
    page = Image.new("L", (WIDTH, ROWS), 255)
    page.paste(src.crop((0, 0, WIDTH, min(ROWS, src.height))), (0, 0))
    return page.convert("1", dither=Image.Dither.NONE)


def noise_grey():
    rng = random.Random(2463534242)
    return Image.frombytes("L", (WIDTH, ROWS), rng.randbytes(WIDTH * ROWS))


def timed(fn, runs):
    """Median CPU milliseconds of runs calls of fn."""
    ms = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        ms.append((time.process_time() - t0) * 1000)
    return statistics.median(ms)


def png_bytes(image):
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def png_read(data):
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--text-png", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--original", help="a checkout of the original Python backend")
    ap.add_argument("--original-function", default="sirius.coding.image_encoding:rle_from_bw",
                    help="MODULE:FUNCTION in the checkout that takes a Pillow image and returns the run-length code")
    ap.add_argument("--json")
    args = ap.parse_args()
    runs = max(1, min(args.runs, 20))
    grey = noise_grey()
    pages = {"text page": text_page(args.text_png), "dither noise": grey.convert("1")}
    original = None
    if args.original:
        sys.path.insert(0, os.path.abspath(args.original))
        module, _, function = args.original_function.partition(":")
        original = getattr(__import__(module, fromlist=[function]), function)
    results = {}
    for name, page in pages.items():
        code = encode(page)
        if decode(code).tobytes() != page.tobytes():
            raise SystemExit("ref_encoder.py: decode(encode(page)) differs from the page (%s)" % name)
        png = png_bytes(page)
        r = {
            "code_bytes": len(code),
            "encode_ms": timed(lambda: encode(page), runs),
            "decode_ms": timed(lambda: decode(code), runs),
            "png_write_ms": timed(lambda: png_bytes(page), runs * 3),
            "png_read_ms": timed(lambda: png_read(png), runs * 3),
        }
        if name == "dither noise":
            # Pillow's Floyd-Steinberg (in C), as bench_codec times ours
            r["dither_ms"] = timed(lambda: grey.convert("1"), runs)
        if original:
            r["original_encode_ms"] = timed(lambda: original(page), runs)
        results[name] = r
        print("python reference, %-12s encode %8.1f ms, decode %8.1f ms, PNG write %6.1f ms, PNG read %6.1f ms%s"
              % (name, r["encode_ms"], r["decode_ms"], r["png_write_ms"], r["png_read_ms"],
                 ", original encoder %.1f ms" % r["original_encode_ms"] if original else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
