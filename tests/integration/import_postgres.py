#!/usr/bin/env python3
"""import_postgres.py: sirius-import against a real PostgreSQL holding the original sirius server's schema, by URL and by pg_dump file."""

import collections
import glob
import json
import os
import pickle
import pwd
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import types

from fake_helpers import claim_code_encode, hardware_xor
from harness import API, run_cgi
from relay_helpers import BUILD, CODEC, FAKE, SOURCE, Relay, bridge_event, free_port, power_on, run_tests, wait_for

IMPORT = os.path.join(BUILD, "tools", "sirius-import")
VECTORS = os.path.join(SOURCE, "tests", "vectors")
SCHEMA = os.path.join(VECTORS, "sirius-original", "schema.sql")


# ---- a PostgreSQL server of our own, in a temporary directory --------------------

class Postgres:
    """A PostgreSQL cluster made by initdb in a temporary directory, listening on 127.0.0.1 and a socket there."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                      key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0)
        if not bins:
            raise AssertionError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): "
                                 "install the Debian package postgresql")
        self.bin = os.path.dirname(bins[-1])
        self.dir = tempfile.mkdtemp(prefix="sirius-pg-")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.port = free_port()
        # PostgreSQL refuses to run as root: the server then runs as its own user (or nobody)
        self.user = None
        if os.geteuid() == 0:
            for name in ("postgres", "nobody"):
                try:
                    entry = pwd.getpwnam(name)
                except KeyError:
                    continue
                self.user = name
                os.chown(self.dir, entry.pw_uid, entry.pw_gid)
                break
            if self.user is None:
                raise AssertionError("running as root and there is no postgres or nobody user to run PostgreSQL as")
        self.server("initdb", "-D", self.data, "-A", "trust", "-U", "sirius", "-E", "UTF8", "--no-sync")
        self.started = False
        self.server("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "120",
                    "-o", "-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off" % (self.port, self.dir), "start")
        self.started = True

    def server(self, program, *args):
        """Runs a server program (initdb, pg_ctl) as the server's user; fails with its output."""
        cmd = [os.path.join(self.bin, program)] + list(args)
        if self.user:
            cmd = ["runuser", "-u", self.user, "--"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=self.dir)
        if p.returncode != 0:
            log = open(self.log, errors="replace").read() if os.path.exists(self.log) else ""
            raise AssertionError("PostgreSQL: %s failed (%d): %s%s\n%s" % (program, p.returncode, p.stdout,
                                                                            p.stderr, log))
        return p.stdout

    def client(self, program, *args, check=True):
        """Runs a client program (psql, pg_dump) over the socket as the sirius role."""
        cmd = [os.path.join(self.bin, program), "-h", self.dir, "-p", str(self.port), "-U", "sirius"] + list(args)
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise AssertionError("%s failed (%d): %s%s" % (program, p.returncode, p.stdout, p.stderr))
        return p

    def psql(self, database, sql):
        return self.client("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql).stdout

    def url(self, database, scheme="postgresql"):
        return "%s://sirius@127.0.0.1:%d/%s" % (scheme, self.port, database)

    def close(self):
        if self.started:
            self.server("pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- the original's data ------------------------------------------------------------

def friends_pickle(names, protocol):
    """A friend list as the original pickled it: sirius.models.user.Friend namedtuples."""
    for name in ("sirius", "sirius.models", "sirius.models.user"):
        sys.modules.setdefault(name, types.ModuleType(name))
    module = sys.modules["sirius.models.user"]
    if not hasattr(module, "Friend"):
        module.Friend = collections.namedtuple("Friend", "screen_name name profile_image_url",
                                               module="sirius.models.user")
    friends = [module.Friend(n, n.title(), "https://pbs.twimg.com/profile_images/%s.png" % n) for n in names]
    return pickle.dumps(sorted(friends), protocol=protocol)


def bytea(data):
    return "'\\x%s'::bytea" % data.hex()


def sql_text(value):
    return "NULL" if value is None else "'%s'" % value.replace("'", "''")


def reset_address(address):
    """Another address with the same hardware xor (the printer after a reset)."""
    b = bytearray(bytes.fromhex(address)[::-1])
    b[2] ^= 0x5a
    b[4] ^= 0x5a
    other = bytes(b[::-1]).hex()
    assert hardware_xor(other) == hardware_xor(address)
    return other


def load_vectors():
    with open(os.path.join(VECTORS, "real", "11cc0f6aaeb07dad.printer")) as f:
        fields = dict(line.split(": ", 1) for line in (l.strip() for l in f) if line)
    with open(os.path.join(VECTORS, "real", "bridge_command_add_key.json")) as f:
        key = json.load(f)["json_payload"]["params"]["encryption_key"].replace("\\n", "")
    with open(os.path.join(VECTORS, "generated", "hardware_xor.json")) as f:
        addresses = [v["device_address"] for v in json.load(f)]
    return fields["address"], fields["claim code"], key, addresses


REAL_ADDRESS, REAL_CODE, REAL_KEY, ADDRESSES = load_vectors()
BOB_OLD = ADDRESSES[0]
BOB_NEW = reset_address(BOB_OLD)
SPARE = ADDRESSES[1]
DAVE_PRINTER = ADDRESSES[2]
BOB_CODE_OLD = claim_code_encode(hardware_xor(BOB_OLD), 0x1122334455)
BOB_CODE_NEW = claim_code_encode(hardware_xor(BOB_NEW), 0x0a0b0c0d0e)
DAVE_CODE = claim_code_encode(hardware_xor(DAVE_PRINTER), 0x7777777777)
CAROL_WAITING = claim_code_encode(hardware_xor(ADDRESSES[3]), 0x0102030405)
BAD_CODE = REAL_CODE[:-1] + ("3" if REAL_CODE[-1] != "3" else "4")  # a checksum that fails
ALICE_API_KEY = "Zq7RtbW0aXk3LmNp9sDfGh2JkL5vBc8Y"
KEYS = {"kitchen": "k7tchen0key0abcdefgh", "desk": "d3skkey000aaaabbbbcc", "dave": "dav3key000aaaabbbbcc",
        "old": "0ldkey0000aaaabbbbcc"}


def original_sql():
    """INSERTs of a small but real-looking original database (times are utcnow() values, as it stored them)."""
    users = [(1, "2015-03-02 18:20:11.512301", "alice", ALICE_API_KEY), (2, "2015-03-04 09:01:00.1", "bob", None),
             (3, "2016-11-20 22:00:00", "carol", None), (4, "2017-01-01 10:00:00", "dave", None),
             (5, "2017-05-05 05:05:05.5", "erin", None), (6, "2018-06-01 12:00:00", None, None)]
    twitter = [(1, 1, "alice", friends_pickle(["bob", "Carol", "zed_not_here"], 4)),
               (2, 2, "bob", friends_pickle(["alice"], 2)),
               (3, 3, "carol", None),
               (4, 4, "dave", friends_pickle(["alice"], 4)),
               (5, 5, "erin", friends_pickle(["DAVE", "alice"], 4)),
               (6, 6, "frank_1", pickle.dumps([], protocol=4))]
    out = ["INSERT INTO \"user\" (id, created, username, api_key) VALUES %s;" % ", ".join(
        "(%d, '%s', %s, %s)" % (i, c, sql_text(n), sql_text(k)) for i, c, n, k in users)]
    out.append("INSERT INTO twitter_o_auth (id, created, user_id, screen_name, token, token_secret,"
               " last_friend_refresh, friends) VALUES %s;" % ", ".join(
                   "(%d, '2016-01-01 00:00:00', %d, '%s', 'tok%d', 'sec%d', '2019-02-03 04:05:06', %s)"
                   % (i, u, s, i, i, bytea(f) if f is not None else "NULL") for i, u, s, f in twitter))
    # claim codes as people typed them (the original kept its canonicalize(): upper case, dashes as typed)
    claims = [(1, "2015-03-02 18:30:00", 1, REAL_CODE.lower(), "Kitchen"),
              (2, "2015-03-04 09:10:00", 2, BOB_CODE_OLD.upper(), "Desk"),
              (3, "2018-01-01 08:00:00", 2, BOB_CODE_NEW.replace("-", "").upper(), "Desk"),
              (4, "2017-01-02 10:00:00", 4, DAVE_CODE.upper(), "Dave's"),
              (5, "2019-09-09 09:09:09", 3, CAROL_WAITING.upper(), "Gift"),
              (6, "2019-09-10 09:09:09", 3, BAD_CODE.upper(), "Typo")]
    out.append("INSERT INTO claim_code (id, created, by_id, hardware_xor, claim_code, name) VALUES %s;" % ", ".join(
        "(%d, '%s', %d, %d, '%s', %s)" % (i, t, by, hardware_xor_of_code(code), code, sql_text(name))
        for i, t, by, code, name in claims))
    printers = [(11, "2015-03-02 18:29:00", REAL_ADDRESS, 1, "Kitchen", REAL_CODE.upper()),
                (12, "2015-03-04 09:09:00", BOB_OLD, 2, "Desk", BOB_CODE_OLD.upper()),
                (13, "2018-01-01 07:59:00", BOB_NEW, 2, "Desk", BOB_CODE_NEW.replace("-", "").upper()),
                (14, "2019-01-01 00:00:00", SPARE, None, None, None),
                (15, "2017-01-02 09:59:00", DAVE_PRINTER, 4, "Dave's", DAVE_CODE.upper())]
    out.append("INSERT INTO printer (id, created, device_address, hardware_xor, name, owner_id, used_claim_code)"
               " VALUES %s;" % ", ".join(
                   "(%d, '%s', '%s', %d, %s, %s, %s)" % (i, t, a, hardware_xor(a), sql_text(n),
                                                         "NULL" if o is None else o, sql_text(c))
                   for i, t, a, o, n, c in printers))
    out.append("INSERT INTO print_key (id, secret, created, printer_id, number_of_uses, senders, parent_id) VALUES"
               " (1, '%s', '2018-09-09 10:00:00', 11, 3, '{Mum,NULL,\"Dad \\\"the\\\" cook\"}', NULL),"
               " (2, '%s', '2018-09-10 10:00:00', 13, 0, '{}', NULL),"
               " (3, '%s', '2018-09-11 10:00:00', 15, 1, '{dave}', NULL),"
               " (4, '%s', '2018-09-12 10:00:00', 12, 7, '{bob}', 2);"
               % (KEYS["kitchen"], KEYS["desk"], KEYS["dave"], KEYS["old"]))
    png = bytes.fromhex("89504e470d0a1a0a") + os.urandom(3000)
    out.append("INSERT INTO message (id, created, pixels, print_id, target_printer_id, response_timestamp,"
               " failure_message, sender_name) VALUES (1, '2019-01-01 10:00:00', %s, 1, 11, NULL, 'Timed out', 'Mum'),"
               " (2, '2019-01-02 10:00:00', %s, 2, 13, '2019-01-02 10:00:01', NULL, 'bob');" % (bytea(png), bytea(png)))
    out.append("INSERT INTO bridge (id, created, bridge_address) VALUES (1, '2015-03-01 00:00:00', 'b0e38dc177e66000');")
    out.append("INSERT INTO device_log (id, created, device_address, entry) VALUES"
               " (1, '2015-03-01 00:00:00', '%s', '{\"type\": \"power_on\"}');" % REAL_ADDRESS)
    for table in ("user", "twitter_o_auth", "claim_code", "printer", "print_key", "message", "bridge", "device_log"):
        out.append("SELECT setval(pg_get_serial_sequence('\"%s\"', 'id'), (SELECT max(id) FROM \"%s\"));"
                   % (table, table))
    return "\n".join(out)


def hardware_xor_of_code(code):
    alphabet = "0123456789bcdefghjkmnopqrstvwxyz"
    value = 0
    for ch in code.replace("-", "").lower():
        value = value * 32 + alphabet.index(ch)
    return value & 0xffffff


# ---- checks -------------------------------------------------------------------------

pg = None
relay = None


def run_import(*args, db=None, env_url=None):
    env = dict(relay.env)
    env.pop("DATABASE_URL", None)
    if env_url:
        env["DATABASE_URL"] = env_url
    if db:
        env["SIRIUS_DB"] = db
    return subprocess.run([IMPORT] + list(args), env=env, capture_output=True, text=True, timeout=120)


def rows(db, sql, *params):
    with sqlite3.connect(db, timeout=10) as c:
        return c.execute(sql, params).fetchall()


def snapshot(db):
    """Every row of every table but the rate-limit and import-time ones, for comparing two databases."""
    out = {}
    with sqlite3.connect(db, timeout=10) as c:
        for (table,) in c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            cols = "*" if table != "imported_users" else "original_id, user_id"
            out[table] = sorted(map(repr, c.execute("SELECT %s FROM %s" % (cols, table)).fetchall()))
    return out


def codec_key(code):
    return json.loads(relay.run(CODEC, "claim", "decode", code))["encryption_key"]


def relay_db():
    return os.path.join(relay.var, "sirius.db")


def counts(output, label):
    """(added, present, conflicting, left out) from a report line."""
    for line in output.splitlines():
        words = line.split()
        if line.startswith("  " + label + " "):
            nums = [int(w) for w in words if w.isdigit()]
            return tuple(nums)
    raise AssertionError("no %s line in:\n%s" % (label, output))


def test_dry_run_reports_and_writes_nothing():
    relay.run(FAKE, "user", "dave", "--password", "dave's own passphrase")
    before = snapshot(relay_db())
    p = run_import("--dry-run", env_url=pg.url("sirius_original"))
    assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
    out = p.stdout
    assert "read 6 users, 6 Twitter accounts, 5 printers, 6 claim codes and 4 device keys" in out, out
    assert "dry run" in out and "nothing was written" in out, out
    assert counts(out, "users") == (5, 0, 1, 0), out
    assert counts(out, "claim codes") == (4, 0, 0, 2), out
    assert counts(out, "printers") == (4, 0, 0, 1), out
    assert counts(out, "device keys") == (3, 0, 0, 1), out
    assert counts(out, "friendships") == (4, 0, 0, 1), out
    assert "user dave (original id 4): the name is taken by a different local account" in out, out
    assert "is left out. This claim code does not add up" in out, out
    assert snapshot(relay_db()) == before


def test_import_by_url():
    # the real printer called this server before the import: here, unclaimed, online
    ws = relay.ws()
    ws.send_json(power_on())
    ws.send_json(bridge_event("encryption_key_required", REAL_ADDRESS))
    wait_for(lambda: relay.status(REAL_ADDRESS)["online"], 20, "the printer online")
    assert rows(relay_db(), "SELECT owner_id FROM printers WHERE address = ?", REAL_ADDRESS) == [(None,)]
    # Heroku's DATABASE_URL says postgres://
    p = run_import(env_url=pg.url("sirius_original", scheme="postgres"))
    assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
    assert counts(p.stdout, "users") == (5, 0, 1, 0), p.stdout
    assert "imported:" in p.stdout and "sirius-admin password NAME" in p.stdout, p.stdout
    assert ("printer %s: here already, unclaimed" % REAL_ADDRESS) in p.stdout and "now alice's, named Kitchen" in p.stdout, p.stdout
    assert "link keys: sent to the 1 printer online of 2" in p.stdout, p.stdout
    # the import had the relay send it its key at once
    try:
        cmd = ws.recv_json()
        assert cmd["json_payload"]["params"] == {"device_address": REAL_ADDRESS, "encryption_key": REAL_KEY}, cmd
    finally:
        ws.close()
    db = relay_db()
    users = dict((n, (h, a, k)) for n, h, a, k in rows(db, "SELECT name, password_hash, is_admin, api_key FROM users"))
    assert set(users) == {"alice", "bob", "carol", "dave", "erin", "frank_1"}, users
    assert users["alice"] == ("!", 0, ALICE_API_KEY), users["alice"]
    assert users["dave"][0].startswith("$argon2id$"), "the local dave is left alone"
    # printers keep their original ids when free; the newest address of a xor has the owner and the key
    printers = dict((r[0], r[1:]) for r in rows(
        db, "SELECT p.address, p.id, u.name, p.name, c.code, c.used_by FROM printers AS p"
            " LEFT JOIN users AS u ON u.id = p.owner_id LEFT JOIN claim_codes AS c ON c.id = p.claim_code_id"))
    kitchen = printers[REAL_ADDRESS][0]
    assert printers[REAL_ADDRESS][1:] == ("alice", "Kitchen", REAL_CODE.replace("-", ""), REAL_ADDRESS), printers
    assert printers[BOB_NEW] == (13, "bob", "Desk", BOB_CODE_NEW.replace("-", ""), BOB_NEW), printers
    assert printers[BOB_OLD] == (12, None, None, None, None), printers
    assert printers[SPARE] == (14, None, None, None, None), printers
    assert DAVE_PRINTER not in printers, printers
    assert rows(db, "SELECT used_by FROM claim_codes WHERE code = ?", BOB_CODE_OLD.replace("-", "")) == [(BOB_OLD,)]
    assert rows(db, "SELECT u.name, c.used_by FROM claim_codes AS c JOIN users AS u ON u.id = c.user_id"
                    " WHERE code = ?", CAROL_WAITING.replace("-", "")) == [("carol", None)]
    keys = dict((s, (p, n)) for s, p, n in rows(db, "SELECT secret, printer_id, uses FROM device_keys"))
    assert keys == {KEYS["kitchen"]: (kitchen, 3), KEYS["desk"]: (13, 0), KEYS["old"]: (12, 7)}, keys
    senders = [s for (s,) in rows(db, "SELECT sender FROM device_key_senders AS s JOIN device_keys AS k"
                                      " ON k.id = s.key_id WHERE k.secret = ? ORDER BY sender", KEYS["kitchen"])]
    assert senders == ['Dad "the" cook', "Key k7tc", "Mum"], senders
    friends = sorted(rows(db, "SELECT a.name, b.name FROM friends AS f JOIN users AS a ON a.id = f.user_id"
                              " JOIN users AS b ON b.id = f.friend_id"))
    assert friends == [("alice", "bob"), ("alice", "carol"), ("bob", "alice"), ("erin", "alice")], friends


def test_printers_get_their_keys():
    ws = relay.ws()
    try:
        ws.send_json(power_on())
        for address, key in ((REAL_ADDRESS, REAL_KEY), (BOB_NEW, codec_key(BOB_CODE_NEW))):
            ws.send_json(bridge_event("encryption_key_required", address))
            cmd = ws.recv_json()
            assert cmd["json_payload"]["name"] == "add_device_encryption_key", cmd
            assert cmd["json_payload"]["params"] == {"device_address": address, "encryption_key": key}, cmd
        # the address from before the reset is nobody's: no key
        ws.send_json(bridge_event("encryption_key_required", BOB_OLD))
        ws.expect_nothing(0.5)
    finally:
        ws.close()


def test_device_key_url_answers():
    env = dict(relay.env, SIRIUS_DB=relay_db())
    r = run_cgi(API, "GET", "/printkey/" + KEYS["kitchen"], env=env, extra={"HTTP_ACCEPT": "application/json"})
    assert r.status == 200, (r.status, r.text, r.stderr)
    answer = json.loads(r.text)
    assert answer["name"] == "Kitchen" and answer["owner"] == "alice", answer
    assert run_cgi(API, "GET", "/printkey/" + KEYS["dave"], env=env).status == 404
    # the original's API key (mixed case) still signs alice's scripts in: the print is queued, not 401
    body = json.dumps({"message": "<p>hello</p>", "face": "default"}).encode()
    kitchen = rows(relay_db(), "SELECT id FROM printers WHERE address = ?", REAL_ADDRESS)[0][0]
    path = "/ext_api/v1/printer/%d/print_html?api_key=" % kitchen
    r = run_cgi(API, "POST", path + ALICE_API_KEY, body=body,
                content_type="application/json", env=env)
    assert r.status == 202 and "queued" in r.text, (r.status, r.text, r.stderr)
    r = run_cgi(API, "POST", path + ALICE_API_KEY.lower(), body=body,
                content_type="application/json", env=env)
    assert r.status == 401, (r.status, r.text)


def test_second_run_changes_nothing():
    before = snapshot(relay_db())
    p = run_import("--database-url", pg.url("sirius_original"))
    assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
    for label, present in (("users", 5), ("claim codes", 4), ("printers", 4), ("device keys", 3),
                           ("friendships", 4)):
        added, here, _, _ = counts(p.stdout, label)
        assert (added, here) == (0, present), (label, p.stdout)
    assert snapshot(relay_db()) == before


def test_dump_file_gives_the_same_database():
    dump = os.path.join(relay.var, "original.sql")
    with open(dump, "w") as f:
        f.write(pg.client("pg_dump", "-d", "sirius_original").stdout)
    fresh = os.path.join(relay.var, "fresh.db")
    p = run_import("--dump", dump, "--db", fresh)
    # 3: the claim code with a bad checksum is left out, every time
    assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
    assert "the pg_dump file" in p.stdout, p.stdout
    assert counts(p.stdout, "users") == (6, 0, 0, 0), p.stdout
    # the same as by URL, but for dave, who has no local namesake here
    mine = snapshot(fresh)
    assert len(mine["printers"]) == 5 and len(mine["device_keys"]) == 4, mine
    assert len(mine["friends"]) == 6, mine["friends"]
    again = run_import("--dump", dump, "--db", fresh)
    assert again.returncode == 3 and counts(again.stdout, "printers") == (0, 5, 0, 0), again.stdout
    assert snapshot(fresh) == mine
    # into the relay's database, as the URL import did: nothing new
    before = snapshot(relay_db())
    p = run_import("--dump", dump)
    assert p.returncode == 3 and counts(p.stdout, "device keys") == (0, 3, 0, 1), p.stdout
    assert snapshot(relay_db()) == before


def test_adopt_existing_takes_the_local_account():
    p = run_import("--adopt-existing", "--database-url", pg.url("sirius_original"))
    assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
    assert counts(p.stdout, "claim codes") == (1, 4, 0, 1), p.stdout
    assert counts(p.stdout, "users") == (0, 6, 0, 0), p.stdout
    assert counts(p.stdout, "printers") == (1, 4, 0, 0), p.stdout
    db = relay_db()
    assert rows(db, "SELECT u.name FROM printers AS p JOIN users AS u ON u.id = p.owner_id WHERE p.address = ?",
                DAVE_PRINTER) == [("dave",)]
    assert rows(db, "SELECT password_hash LIKE '$argon2id$%' FROM users WHERE name = 'dave'") == [(1,)]


def test_refusals():
    var = relay.var
    custom = os.path.join(var, "original.dump")
    with open(custom, "wb") as f:
        f.write(subprocess.run([os.path.join(pg.bin, "pg_dump"), "-h", pg.dir, "-p", str(pg.port), "-U", "sirius",
                                "-Fc", "-d", "sirius_original"], capture_output=True, check=True).stdout)
    p = run_import("--dump", custom)
    assert p.returncode == 1 and "custom format" in p.stderr and "pg_restore" in p.stderr, p.stderr
    inserts = os.path.join(var, "inserts.sql")
    with open(inserts, "w") as f:
        f.write(pg.client("pg_dump", "--inserts", "-d", "sirius_original").stdout)
    p = run_import("--dump", inserts)
    assert p.returncode == 1 and "--inserts" in p.stderr, p.stderr
    full = open(os.path.join(var, "original.sql")).read()
    cut = os.path.join(var, "cut.sql")
    with open(cut, "w") as f:
        f.write(full[:full.index("COPY public.printer")] + "COPY public.printer (id, created, device_address,"
                " hardware_xor, name, owner_id, used_claim_code) FROM stdin;\n11\t\\N\t%s\t1\tx\t1\t\\N\n" % REAL_ADDRESS)
    p = run_import("--dump", cut)
    assert p.returncode == 1 and "cut short" in p.stderr, p.stderr
    p = run_import("--database-url", "mysql://sirius@127.0.0.1/x")
    assert p.returncode == 2 and "postgresql://" in p.stderr, p.stderr
    p = run_import("--database-url", pg.url("no_such_database"))
    assert p.returncode == 1 and "cannot connect" in p.stderr, p.stderr
    p = run_import()
    assert p.returncode == 2 and "DATABASE_URL" in p.stderr, p.stderr
    assert "Twitter" in run_import("--help").stdout


def main():
    global pg, relay
    pg = Postgres()
    try:
        pg.psql("postgres", "CREATE DATABASE sirius_original")
        pg.client("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "sirius_original", "-f", SCHEMA)
        pg.psql("sirius_original", original_sql())
        relay = Relay()
        try:
            run_tests([test_dry_run_reports_and_writes_nothing, test_import_by_url, test_printers_get_their_keys,
                       test_device_key_url_answers, test_second_run_changes_nothing,
                       test_dump_file_gives_the_same_database, test_adopt_existing_takes_the_local_account,
                       test_refusals])
        finally:
            relay.close()
    finally:
        pg.close()


if __name__ == "__main__":
    main()
