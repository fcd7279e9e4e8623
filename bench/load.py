#!/usr/bin/env python3
"""Load on the preview server: `wrk` against `gazette serve` on loopback, with attacks alongside.

  load.py [--gazette target/release/gazette] [--n 10000] [--corpus DIR] [--work /tmp/gazette-bench]
          [--connections 256] [--threads 2] [--duration 20] [--wrk wrk]

Starts `gazette serve CORPUS --port 0` (the corpus from gen_corpus.py, cached in WORK, or --corpus) with
TMPDIR set to a folder of this run, so its output folder is WORK/load-tmp/gazette-serve-PID and a secret
file sits beside it, where a `/../` request would lead. Then, for --duration seconds (at most 30):
  wrk            --connections keep-alive connections over --threads threads, cycling through every
                 page of the output (a Lua script holds the list), latency distribution on
  attacks        on fresh connections, over and over: traversal attempts (`/../`, `%2e%2e%2f`, `..%5c`,
                 `/..\\`, absolute URLs, a 100 kB path, invalid UTF-8 and NUL bytes in the path) and
                 methods other than GET and HEAD; every answer must be 400, 404, 405 or 414 and hold
                 neither the secret nor a line of /etc/passwd
  live clients   live-reload connections (/__gazette/live) opened 50 at a time and dropped, some
                 after reading the `hello` event, some mid-request, some silent
Prints requests served, errors (wrk's socket errors and non-2xx answers), p50/p99 latency, the attack
and live-client counts and any rule broken, and the server's VmRSS and open file descriptors after
the first build and after the load (the connections closed), each once VmRSS holds still, and their
peak during the load.
Exit status 1 if a rule was broken, the server died or answers failed. Standard library and wrk only.
"""
import argparse, os, re, shutil, signal, socket, subprocess, sys, threading, time

HERE = os.path.dirname(os.path.abspath(__file__))

WRK_SCRIPT = r"""
local paths = {}
local n = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  n = math.random(#paths)
end
request = function()
  n = n % #paths + 1
  return wrk.format("GET", paths[n])
end
"""

TRAVERSALS = [
    b"/../secret.txt", b"/../../secret.txt", b"/../../../../../../../../etc/passwd",
    b"/%2e%2e/secret.txt", b"/%2e%2e%2fsecret.txt", b"/%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    b"/..%2fsecret.txt", b"/..%5csecret.txt", b"/..%5c..%5c..%5cetc%5cpasswd", b"/..\\secret.txt",
    b"/.%2e/secret.txt", b"/%252e%252e/secret.txt", b"//../secret.txt", b"/%c0%ae%c0%ae/secret.txt",
    b"/%ff%fe/../secret.txt", b"/%00/../secret.txt", b"/__gazette/live/../../secret.txt",
    b"http://evil/../../secret.txt", b"http://evil/%2e%2e/%2e%2e/secret.txt", b"file:///etc/passwd",
    b"../secret.txt", b"secret.txt", b"/" + b"a" * 100_000, b"/" + b"a" * 300, b"/" + b"a/" * 3000,
    b"/\xff\xfe/../secret.txt", b"/a\x00b/../../secret.txt",
]
METHODS = [b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"TRACE", b"CONNECT", b"PROPFIND", b"BREW"]


def proc_status(pid):
    rss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    return rss / 1024, len(os.listdir(f"/proc/{pid}/fd"))


def settled(pid, limit=20):
    """VmRSS and fds once VmRSS holds still (the allocator hands freed memory back with a delay,
    and the first build's peak is still counted for a few seconds after it)."""
    t0, last = time.monotonic(), proc_status(pid)
    while time.monotonic() - t0 < limit:
        time.sleep(1)
        now = proc_status(pid)
        if abs(now[0] - last[0]) <= 0.01 * last[0]:
            return now
        last = now
    return last


def raw(addr, data, timeout=10):
    """Sends one request on a fresh connection; returns the whole answer (b"" if none)."""
    out = b""
    try:
        with socket.create_connection(addr, timeout=timeout) as s:
            try:
                s.sendall(data)
            except OSError:
                pass
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                out += chunk
    except OSError:
        pass
    return out


def status(answer):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(m.group(1)) if m else None


def attack(addr, secrets, stop, stats):
    while not stop.is_set():
        for method, targets, allowed in [(b"GET", TRAVERSALS, (400, 404, 414)), (b"HEAD", TRAVERSALS, (400, 404, 414))] + [
            (m, [b"/", b"/index.html", b"/__gazette/live", b"/../secret.txt"], (405,)) for m in METHODS
        ]:
            for target in targets:
                if stop.is_set():
                    return
                answer = raw(addr, method + b" " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                stats["attacks"] += 1
                s = status(answer)
                leaked = [x for x in secrets if x in answer]
                if s not in allowed or leaked:
                    stats["broken"].append(f"{method.decode()} {target[:60]!r}: status {s}, leaked {leaked}")


def live_clients(addr, stop, stats):
    ask = b"GET /__gazette/live HTTP/1.1\r\nHost: x\r\n\r\n"
    while not stop.is_set():
        held = []
        for i in range(50):
            try:
                s = socket.create_connection(addr, timeout=10)
                if i % 4 == 0:
                    s.sendall(ask)
                    seen = b""
                    while b"event: hello" not in seen:
                        chunk = s.recv(4096)
                        if not chunk:
                            stats["broken"].append("a live stream closed before its hello")
                            break
                        seen += chunk
                elif i % 4 == 1:
                    s.sendall(ask)
                elif i % 4 == 2:
                    s.sendall(b"GET /__gazette/live HTTP/1.1\r\nHo")
                held.append(s)
                stats["live"] += 1
            except OSError as e:
                stats["broken"].append(f"live client: {e}")
        time.sleep(0.05)
        for s in held:
            s.close()


def sample(pid, stop, peaks):
    """Keeps the highest VmRSS and fd count seen while the load runs."""
    while not stop.is_set():
        try:
            rss, fds = proc_status(pid)
        except OSError:
            return
        peaks["rss"], peaks["fds"] = max(peaks["rss"], rss), max(peaks["fds"], fds)
        time.sleep(0.25)


def page_paths(out_dir):
    paths = []
    for root, _, names in os.walk(out_dir):
        for name in names:
            if name.startswith(".") or name == "404.html":
                continue
            rel = os.path.relpath(os.path.join(root, name), out_dir)
            paths.append("/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel))
    return sorted(paths)


def parse_wrk(text):
    def grab(pattern, conv=float, default=0):
        m = re.search(pattern, text)
        return conv(m.group(1)) if m else default

    def dur(s):
        m = re.match(r"([\d.]+)(us|ms|s|m)", s)
        return float(m.group(1)) * {"us": 1e-3, "ms": 1, "s": 1e3, "m": 6e4}[m.group(2)] if m else float("nan")

    errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", text))
    return {
        "requests": grab(r"(\d+) requests in", int),
        "rps": grab(r"Requests/sec:\s+([\d.]+)"),
        "socket_errors": errors,
        "non_2xx": grab(r"Non-2xx or 3xx responses: (\d+)", int),
        "p50": dur(grab(r"\n\s+50%\s+(\S+)", str, "")),
        "p99": dur(grab(r"\n\s+99%\s+(\S+)", str, "")),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gazette", default=os.path.join(HERE, "..", "target", "release", "gazette"))
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--corpus", help="an existing Gazette site instead of a generated one")
    ap.add_argument("--work", default="/tmp/gazette-bench")
    ap.add_argument("--connections", type=int, default=256)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--duration", type=int, default=20, help="seconds of load, at most 30")
    ap.add_argument("--wrk", default="wrk")
    a = ap.parse_args()
    if not 1 <= a.duration <= 30:
        sys.exit("--duration must be 1 to 30 seconds")
    gazette = os.path.abspath(a.gazette)
    if not os.path.exists(gazette):
        sys.exit(f"{gazette} is missing: run cargo build --release")
    if shutil.which(a.wrk) is None:
        sys.exit(f"{a.wrk} is not installed (Debian: apt-get install wrk)")
    site = a.corpus or os.path.join(a.work, f"serve-corpus-n{a.n}")
    if not a.corpus and not os.path.exists(os.path.join(site, "gazette.toml")):
        subprocess.run([sys.executable, os.path.join(HERE, "gen_corpus.py"), "--n", str(a.n), "--out", site], check=True)
    tmp = os.path.join(a.work, "load-tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    secret = f"GAZETTE-LOAD-SECRET-{os.getpid()}-{time.time_ns()}".encode()
    with open(os.path.join(tmp, "secret.txt"), "wb") as f:
        f.write(secret)
    secrets = [secret, b"root:x:0:0"]

    env = dict(os.environ, TMPDIR=tmp, NO_COLOR="1")
    t0 = time.monotonic()
    proc = subprocess.Popen([gazette, "serve", site, "--port", "0", "--future"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env=env)
    try:
        url = None
        while url is None:
            line = proc.stdout.readline()
            m = re.search(r"http://([0-9.]+):(\d+)", line)
            if m:
                url, addr = m.group(0), (m.group(1), int(m.group(2)))
            elif not line and proc.poll() is not None:
                sys.exit("gazette serve exited before serving")
        first_build = time.monotonic() - t0
        threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()
        out_dir = os.path.join(tmp, f"gazette-serve-{proc.pid}")
        paths = page_paths(out_dir)
        paths_file = os.path.join(tmp, "paths.txt")
        with open(paths_file, "w") as f:
            f.write("\n".join(paths) + "\n")
        script = os.path.join(tmp, "pages.lua")
        with open(script, "w") as f:
            f.write(WRK_SCRIPT)
        rss0, fds0 = settled(proc.pid)

        stop, stats, peaks = threading.Event(), {"attacks": 0, "live": 0, "broken": []}, {"rss": rss0, "fds": fds0}
        helpers = [threading.Thread(target=attack, args=(addr, secrets, stop, stats)),
                   threading.Thread(target=live_clients, args=(addr, stop, stats)),
                   threading.Thread(target=sample, args=(proc.pid, stop, peaks))]
        for h in helpers:
            h.start()
        wrk = subprocess.run([a.wrk, "-c", str(a.connections), "-t", str(a.threads), "-d", f"{a.duration}s",
                              "--timeout", "10s", "--latency", "-s", script, url, "--", paths_file],
                             capture_output=True, text=True, timeout=a.duration + 30)
        stop.set()
        for h in helpers:
            h.join()
        settle = time.monotonic()
        while time.monotonic() - settle < 20 and proc_status(proc.pid)[1] > fds0:
            time.sleep(0.2)
        rss1, fds1 = settled(proc.pid)
        alive = proc.poll() is None and status(raw(addr, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")) == 200
        w = parse_wrk(wrk.stdout)
        print(f"| pages | first build | connections | requests served | req/s | errors | p50 | p99 | attacks | live clients | VmRSS before → after | fds before → after |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        print(f"| {len(paths)} | {first_build:.1f} s | {a.connections} for {a.duration} s | {w['requests']} | {w['rps']:.0f} "
              f"| {w['socket_errors']} socket, {w['non_2xx']} non-2xx | {w['p50']:.1f} ms | {w['p99']:.1f} ms "
              f"| {stats['attacks']} | {stats['live']} | {rss0:.1f} → {rss1:.1f} MiB (peak {peaks['rss']:.1f}) "
              f"| {fds0} → {fds1} (peak {peaks['fds']}) |")
        print(f"\nserver still answering: {alive}; rules broken: {len(stats['broken'])}")
        for b in stats["broken"][:20]:
            print("  " + b)
        print("\nwrk output:\n" + wrk.stdout + wrk.stderr)
        failed = stats["broken"] or not alive or w["socket_errors"] or w["non_2xx"] or wrk.returncode
        sys.exit(1 if failed else 0)
    finally:
        proc.send_signal(signal.SIGINT)  # serve's Ctrl-C: it removes its output folder
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
