"""Renditions benchmark: what sending a 12 MP iPhone photo (HEIC) as JPEG costs, against a
plain JPEG round trip of the same picture.

    .venv/bin/python bench/renditions.py

It draws a photo-like picture of 4032 x 3024 (a receipt on a table: gradients, printed lines,
sensor noise), encodes it as HEIC (a grid of 512-pixel tiles, as iPhones do) and as JPEG, both
at quality 80, then prints, for the rendition
(`rendition_convert`, HEIC to JPEG) and for the baseline (Pillow decoding the JPEG and encoding
it again as JPEG, at the rendition's quality):
- the wall and CPU time of one conversion, medians of REPEAT runs in this process, the two
  alternating (the machine is shared and noisy: read the ratios), and of the decoding alone;
- the peak memory one conversion adds to a fresh process: the kernel's peak resident set
  (VmHWM) once it is done, minus the resident set just before (the process has imported
  everything, read the file and converted a small picture of the same kind). libheif
  allocates outside Python, where tracemalloc does not look.
"""

import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT

SIZE = (4032, 3024)
SOURCE_QUALITY = 80
REPEAT = 7
MEMORY_RUNS = 3


def photo(size: tuple[int, int]):
    """A receipt photographed on a cluttered table: light from one side, things of every
    colour, lines of print, a little blur and sensor noise. The same every time (seeded)."""
    from PIL import Image, ImageDraw, ImageFilter

    width, height = size
    rng = random.Random(2026)
    light = Image.linear_gradient("L").rotate(90).resize(size)
    scene = Image.merge(
        "RGB", (light, light.point(lambda v: v * 0.8), light.point(lambda v: v // 2))
    )
    draw = ImageDraw.Draw(scene)
    for _ in range(1500):
        x, y = rng.randrange(width), rng.randrange(height)
        shape = (x, y, x + rng.randrange(8, 200), y + rng.randrange(8, 200))
        draw.ellipse(shape, fill=tuple(rng.randrange(256) for _ in range(3)))
    paper = (width // 4, height // 8, width * 3 // 4, height * 7 // 8)
    draw.rectangle(paper, fill=(236, 232, 222))
    for top in range(paper[1] + 80, paper[3] - 80, 60):
        left = paper[0] + 80
        while left < paper[2] - 200:
            word = rng.randrange(30, 160)
            draw.rectangle((left, top, left + word, top + 24), fill=(40, 40, 48))
            left += word + rng.randrange(15, 40)
    scene = scene.filter(ImageFilter.GaussianBlur(1.2))
    noise = Image.frombytes("L", size, rng.randbytes(width * height))
    noise = noise.filter(ImageFilter.GaussianBlur(0.7))
    return Image.merge("RGB", [Image.blend(band, noise, 10 / 255) for band in scene.split()])


def encoded(image, format_: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format_, **options)
    return buffer.getvalue()


def rendition(content: bytes) -> bytes:
    from ged.renditions import rendition_convert

    return rendition_convert(
        file=io.BytesIO(content), name="IMG_0001.HEIC", content_type="image/heic"
    ).content


def round_trip(content: bytes) -> bytes:
    from PIL import Image

    from ged.renditions import JPEG_QUALITY

    with Image.open(io.BytesIO(content)) as image:
        return encoded(image, "JPEG", quality=JPEG_QUALITY)


def decoding(content: bytes) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        image.load()


CONVERSIONS = {"heic": rendition, "jpeg": round_trip}


def portal_ready() -> None:
    """Django set up, and the renditions imported: they give Pillow libheif, to read and write."""
    import django

    django.setup()
    import ged.renditions  # noqa: F401


def status_kb(field: str) -> int:
    """A line of /proc/self/status: "VmRSS" (resident now) or "VmHWM" (its peak), in kB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field}")


def child(kind: str, path: str) -> None:
    """One conversion in this fresh process; prints what it added to the process's peak."""
    portal_ready()
    from PIL import Image

    convert = CONVERSIONS[kind]
    format_ = {"heic": "HEIF", "jpeg": "JPEG"}[kind]
    convert(encoded(Image.new("RGB", (64, 48), "white"), format_, quality=SOURCE_QUALITY))
    content = Path(path).read_bytes()
    before = status_kb("VmRSS")
    output = convert(content)
    # The peak of this process's own memory. Not getrusage's ru_maxrss: Linux carries it over
    # exec from the forked parent, so it would say this benchmark's size, not the conversion's.
    peak = status_kb("VmHWM")
    print(
        json.dumps(
            {
                "before_mb": before / 1024,
                "growth_mb": (peak - before) / 1024,
                "output_bytes": len(output),
            }
        )
    )


def peak_growth(kind: str, path: Path) -> dict:
    runs = []
    for _ in range(MEMORY_RUNS):
        result = subprocess.run(
            [sys.executable, __file__, "--child", kind, str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    return {
        "growth_mb": statistics.median(run["growth_mb"] for run in runs),
        "before_mb": statistics.median(run["before_mb"] for run in runs),
        "output_bytes": runs[0]["output_bytes"],
    }


def timed(function, content: bytes) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function(content)
    return time.perf_counter() - wall, time.process_time() - cpu


def medians(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s[0] for s in samples), statistics.median(s[1] for s in samples)


def main() -> int:
    portal_ready()
    import pillow_heif
    from PIL import __version__ as pillow_version

    print(
        f"{platform.python_version()}, Pillow {pillow_version}, pillow-heif"
        f" {pillow_heif.__version__}, libheif {pillow_heif.libheif_version()},"
        f" {os.cpu_count()} CPUs"
    )
    started = time.perf_counter()
    picture = photo(SIZE)
    sources = {
        # In 512-pixel tiles, as iPhones write them (libheif decodes tiles on several threads).
        "heic": encoded(picture, "HEIF", quality=SOURCE_QUALITY, tile_size=512),
        "jpeg": encoded(picture, "JPEG", quality=SOURCE_QUALITY),
    }
    print(
        f"picture {SIZE[0]} x {SIZE[1]}: HEIC {len(sources['heic']) / 1e6:.2f} MB,"
        f" JPEG {len(sources['jpeg']) / 1e6:.2f} MB (quality {SOURCE_QUALITY},"
        f" made in {time.perf_counter() - started:.1f} s)"
    )

    whole = {kind: [] for kind in CONVERSIONS}
    decode = {kind: [] for kind in CONVERSIONS}
    for kind, convert in CONVERSIONS.items():  # warm-up: plugins, codecs, thread pools
        convert(sources[kind])
    for _ in range(REPEAT):
        for kind, convert in CONVERSIONS.items():
            whole[kind].append(timed(convert, sources[kind]))
            decode[kind].append(timed(decoding, sources[kind]))

    with tempfile.TemporaryDirectory(prefix="bench-renditions-") as folder:
        memory = {}
        for kind, content in sources.items():
            path = Path(folder) / kind
            path.write_bytes(content)
            memory[kind] = peak_growth(kind, path)

    rows = []
    for label, samples in (("conversion", whole), ("of which decoding", decode)):
        (heic_wall, heic_cpu), (jpeg_wall, jpeg_cpu) = (
            medians(samples["heic"]),
            medians(samples["jpeg"]),
        )
        rows.append((f"{label}: wall", heic_wall * 1000, jpeg_wall * 1000, "ms"))
        rows.append((f"{label}: CPU", heic_cpu * 1000, jpeg_cpu * 1000, "ms"))
    rows.append(
        ("peak memory added", memory["heic"]["growth_mb"], memory["jpeg"]["growth_mb"], "MB")
    )
    rows.append(
        (
            "JPEG written",
            memory["heic"]["output_bytes"] / 1e6,
            memory["jpeg"]["output_bytes"] / 1e6,
            "MB",
        )
    )
    print(
        f"\n{'median of ' + str(REPEAT):24} {'HEIC -> JPEG':>14} {'JPEG -> JPEG':>14} {'ratio':>7}"
    )
    for label, heic, jpeg, unit in rows:
        print(f"{label:24} {heic:>11.1f} {unit:2} {jpeg:>11.1f} {unit:2} {heic / jpeg:>7.2f}")
    print(
        f"\n(fresh processes: {memory['heic']['before_mb']:.0f} MB and"
        f" {memory['jpeg']['before_mb']:.0f} MB resident before converting; memory is the"
        f" median of {MEMORY_RUNS})"
    )
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
        sys.exit(0)
    sys.exit(main())
