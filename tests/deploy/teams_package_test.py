#!/usr/bin/env python3
"""The Teams app package: built by deploy/teams/build-package.sh, it must be a zip with the
manifest and two icons at its root, a manifest Microsoft's @microsoft/teams-manifest accepts,
icons of the sizes and kinds Teams asks for, and exactly the commands the bot really has.

    tests/deploy/teams_package_test.py <repository root>

Needs node and tests/js/node_modules (npm ci --prefix tests/js); fails, never skips, without them.
Prints 'N passed, N failed' and exits 1 on any failure.
"""
import json
import pathlib
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zipfile
import zlib

ROOT = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parents[2]).resolve()
TEAMS = ROOT / "deploy" / "teams"
APP_ID = "6c2f1d2e-8a4b-4c3d-9e5f-0a1b2c3d4e5f"
HOST = "smrel.example.com"


def build(out_dir, *extra):
    return subprocess.run([str(TEAMS / "build-package.sh"), "--app-id", APP_ID, "--host", HOST,
                           "--out", str(out_dir / "smrel-teams.zip"), *extra],
                          capture_output=True, text=True, check=False)


def validate(manifest_path):
    return subprocess.run(["node", str(TEAMS / "validate-manifest.cjs"), str(manifest_path)],
                          capture_output=True, text=True, check=False)


def decode_png(data):
    """(width, height, colour type, rows of RGBA tuples) for an 8-bit, non-interlaced PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, chunks = 8, {}
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert depth == 8 and interlace == 0 and colour in (2, 6), (depth, colour, interlace)
    channels = 4 if colour == 6 else 3
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
        rows.append([tuple(line[x * channels:(x + 1) * channels]) + ((255,) if channels == 3 else ())
                     for x in range(width)])
        previous = line
    return width, height, colour, rows


def engine_commands():
    """The verbs in bot/engine/commands.cpp's command table: {"verb", handler} entries."""
    source = (ROOT / "bot" / "engine" / "commands.cpp").read_text(encoding="utf-8")
    table = source[source.index("handlers_ = {"):]
    table = table[:table.index("\n  };")]
    return set(re.findall(r'^\s*\{"([a-z]+)",', table, flags=re.M))


class TeamsPackage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = pathlib.Path(tempfile.mkdtemp(prefix="smrel-teams-"))
        result = build(cls.tmp)
        if result.returncode != 0:
            raise AssertionError("build-package.sh failed: " + result.stderr)
        cls.zip_path = cls.tmp / "smrel-teams.zip"
        with zipfile.ZipFile(cls.zip_path) as z:
            cls.names = z.namelist()
            cls.files = {name: z.read(name) for name in cls.names}
        cls.manifest = json.loads(cls.files["manifest.json"])
        (cls.tmp / "manifest.json").write_bytes(cls.files["manifest.json"])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_tools_are_installed(self):
        self.assertIsNotNone(shutil.which("node"), "node is missing (scripts/install-deps.sh installs it)")
        self.assertTrue((ROOT / "tests/js/node_modules/@microsoft/teams-manifest/package.json").is_file(),
                        "tests/js/node_modules is missing: run npm ci --prefix tests/js")

    def test_zip_holds_the_manifest_and_icons_at_its_root(self):
        self.assertEqual(sorted(self.names), ["color.png", "manifest.json", "outline.png"])

    def test_placeholders_are_filled(self):
        m = self.manifest
        self.assertEqual(m["id"], APP_ID)
        self.assertEqual(m["bots"][0]["botId"], APP_ID)
        self.assertEqual(m["validDomains"], [HOST])
        self.assertEqual(m["developer"]["websiteUrl"], f"https://{HOST}/")
        self.assertEqual(m["version"], "1.0.0")
        self.assertNotIn("${{", self.files["manifest.json"].decode())

    def test_microsofts_validator_accepts_the_manifest(self):
        result = validate(self.tmp / "manifest.json")
        self.assertEqual(result.returncode, 0, result.stderr + result.stdout)
        self.assertIn("valid Teams manifest v1.25", result.stdout)

    def test_microsofts_validator_rejects_a_broken_manifest(self):
        # The check must be able to fail: a colour that is not #rrggbb and an unknown bot field.
        broken = json.loads(json.dumps(self.manifest))
        broken["accentColor"] = "navy"
        broken["bots"][0]["notAField"] = True
        path = self.tmp / "broken.json"
        path.write_text(json.dumps(broken))
        result = validate(path)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("/accentColor", result.stderr)
        self.assertIn("notAField", result.stderr)

    def test_bot_is_conversational_in_all_three_scopes(self):
        bot = self.manifest["bots"][0]
        self.assertEqual(sorted(bot["scopes"]), ["groupChat", "personal", "team"])
        self.assertIs(bot["isNotificationOnly"], False)

    def test_commands_are_the_bots_real_commands(self):
        verbs = engine_commands()
        self.assertGreaterEqual(len(verbs), 10, verbs)  # the table parsed, not an empty set
        lists = {tuple(l["scopes"]): [c["title"] for c in l["commands"]] for l in self.manifest["bots"][0]["commandLists"]}
        self.assertEqual(set(lists[("personal",)]), verbs, "the personal list shows every command the engine has")
        for scopes, titles in lists.items():
            self.assertLessEqual(len(titles), 12, scopes)
            self.assertEqual(len(titles), len(set(titles)), scopes)
            for title in titles:
                self.assertIn(title, verbs, f"{title} in {scopes} is not a command the engine accepts")
                self.assertLessEqual(len(title), 32)

    def test_color_icon_is_192_full_colour(self):
        width, height, colour, rows = decode_png(self.files["color.png"])
        self.assertEqual((width, height), (192, 192))
        pixels = [p for row in rows for p in row]
        self.assertTrue(all(p[3] == 255 for p in pixels), "the colour icon is opaque")
        saturated = {p[:3] for p in pixels if max(p[:3]) - min(p[:3]) > 100}
        self.assertGreater(len(saturated), 2, "the colour icon has real colours, not only greys")

    def test_outline_icon_is_32_white_on_transparent(self):
        width, height, colour, rows = decode_png(self.files["outline.png"])
        self.assertEqual((width, height, colour), (32, 32, 6), "32x32 RGBA")
        pixels = [p for row in rows for p in row]
        drawn = [p for p in pixels if p[3] > 0]
        self.assertTrue(all(p[:3] == (255, 255, 255) for p in drawn), "every visible pixel is white")
        self.assertGreater(sum(1 for p in pixels if p[3] == 255), 100, "the mark is there")
        self.assertGreater(sum(1 for p in pixels if p[3] == 0), 400, "the background is transparent")
        self.assertEqual([rows[0][0][3], rows[0][31][3], rows[31][0][3], rows[31][31][3]], [0, 0, 0, 0])

    def test_committed_icons_are_what_the_script_draws(self):
        out = self.tmp / "icons"
        out.mkdir()
        subprocess.run([sys.executable, str(TEAMS / "make_icons.py"), str(out)], check=True)
        for name in ("color.png", "outline.png"):
            self.assertEqual((out / name).read_bytes(), (TEAMS / name).read_bytes(), name)

    def test_bad_arguments_are_refused(self):
        for args in (["--app-id", "not-a-guid", "--host", HOST],
                     ["--app-id", APP_ID, "--host", "https://smrel.example.com"],
                     ["--app-id", APP_ID, "--host", "smrel.example.com/api/messages"],
                     ["--app-id", APP_ID, "--host", HOST, "--website", "http://insecure.example.com/"]):
            result = subprocess.run([str(TEAMS / "build-package.sh"), *args, "--out", str(self.tmp / "bad.zip")],
                                    capture_output=True, text=True, check=False)
            self.assertEqual(result.returncode, 2, args)
            self.assertFalse((self.tmp / "bad.zip").exists(), args)


if __name__ == "__main__":
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(TeamsPackage)
    outcome = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(outcome.failures) + len(outcome.errors)
    print(f"{outcome.testsRun - failed} passed, {failed} failed")
    sys.exit(1 if failed or outcome.testsRun == 0 else 0)
