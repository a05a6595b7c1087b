#!/usr/bin/env python3
"""A NIXL transfer on the GPU through the installed wheel: VRAM to VRAM over the given backend, the
data verified, the bandwidth printed next to a plain device-to-device copy (torch) of the same size
measured in the same run, so the result reads as a ratio to what the GPU can do.

Two agents: in two processes by default (the receiver in a spawned child, as two serving workers
are; UCX can then use CUDA IPC), or in one process with --processes 1 (UCX cannot use CUDA IPC
between two agents of one process, so it stages the data).

usage: nixl-transfer-check.py [--backend UCX] [--processes 2] [--mib 256] [--iters 20] [--timeout 60]
Prints one line `RESULT {...json...}`; exits 1 when the data does not match or the transfer fails.
"""
import argparse
import json
import multiprocessing
import sys
import time

SEED = 1234


def pattern(torch, n, dev):
    """The bytes the sender writes; the receiver regenerates them to verify (same seed, same GPU)."""
    g = torch.Generator(device=dev)
    g.manual_seed(SEED)
    return torch.randint(0, 256, (n,), dtype=torch.uint8, device=dev, generator=g)


def wait_notif(agent, sender, msg, timeout):
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        for name, msgs in agent.get_new_notifs().items():
            if name == sender and msg in msgs:
                return True
        time.sleep(0.001)
    return False


def receiver_main(conn, backend, n, timeout):
    import torch
    from nixl._api import nixl_agent, nixl_agent_config

    dev = torch.device("cuda:0")
    dst = torch.zeros(n, dtype=torch.uint8, device=dev)
    agent = nixl_agent("receiver", nixl_agent_config(backends=[backend]))
    agent.register_memory(dst)
    conn.send((agent.get_agent_metadata(), agent.get_serialized_descs(agent.get_xfer_descs(dst))))
    agent.add_remote_agent(conn.recv())
    conn.send("ready")
    while True:
        msg = conn.recv()
        if msg == "check":
            got = wait_notif(agent, "sender", b"warm", timeout)
            torch.cuda.synchronize()
            conn.send(got and bool(torch.equal(dst, pattern(torch, n, dev))))
        else:
            return


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="UCX")
    p.add_argument("--processes", type=int, choices=[1, 2], default=2)
    p.add_argument("--mib", type=int, default=256)
    p.add_argument("--iters", type=int, default=20)
    p.add_argument("--timeout", type=float, default=60.0)
    a = p.parse_args()

    import torch
    from nixl._api import nixl_agent, nixl_agent_config

    n = a.mib * 1024 * 1024
    dev = torch.device("cuda:0")
    src = pattern(torch, n, dev)
    result = {"backend": a.backend, "processes": a.processes, "bytes": n, "gpu": torch.cuda.get_device_name(0), "torch": torch.__version__}
    cfg = nixl_agent_config(backends=[a.backend])
    sender = nixl_agent("sender", cfg)
    result["plugins"] = sender.get_plugin_list()
    sender.register_memory(src)
    local = sender.get_xfer_descs(src)

    child = None
    if a.processes == 2:
        ctx = multiprocessing.get_context("spawn")
        conn, child_conn = ctx.Pipe()
        child = ctx.Process(target=receiver_main, args=(child_conn, a.backend, n, a.timeout), daemon=True)
        child.start()
        if not conn.poll(a.timeout):
            raise TimeoutError("the receiver process did not start its agent")
        md, descs = conn.recv()
        sender.add_remote_agent(md)
        conn.send(sender.get_agent_metadata())
        conn.recv()
        remote = sender.deserialize_descs(descs)
    else:
        dst = torch.zeros(n, dtype=torch.uint8, device=dev)
        receiver = nixl_agent("receiver", cfg)
        receiver.register_memory(dst)
        sender.add_remote_agent(receiver.get_agent_metadata())
        receiver.add_remote_agent(sender.get_agent_metadata())
        remote = receiver.get_xfer_descs(dst)

    def one_transfer(notif: bytes) -> float:
        h = sender.initialize_xfer("WRITE", local, remote, "receiver", notif)
        t0 = time.perf_counter()
        state = sender.transfer(h)
        while state == "PROC":
            if time.perf_counter() - t0 > a.timeout:
                raise TimeoutError(f"{a.backend} transfer still in progress after {a.timeout}s")
            state = sender.check_xfer_state(h)
        if state != "DONE":
            raise RuntimeError(f"{a.backend} transfer ended in state {state}")
        dt = time.perf_counter() - t0
        sender.release_xfer_handle(h)
        return dt

    one_transfer(b"warm")  # warm-up (connection set-up), then the data is checked on the receiving side
    if child is not None:
        conn.send("check")
        result["verified"] = bool(conn.recv())
    else:
        wait_notif(receiver, "sender", b"warm", a.timeout)
        torch.cuda.synchronize()
        result["verified"] = bool(torch.equal(src, dst))
    times = [one_transfer(b"x") for _ in range(a.iters)]
    result["nixl_gbps"] = round(n / min(times) / 1e9, 2)

    copy_dst = torch.empty_like(src)
    copy_dst.copy_(src)
    torch.cuda.synchronize()
    ctimes = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        copy_dst.copy_(src)
        torch.cuda.synchronize()
        ctimes.append(time.perf_counter() - t0)
    result["torch_copy_gbps"] = round(n / min(ctimes) / 1e9, 2)
    result["ratio"] = round(result["nixl_gbps"] / result["torch_copy_gbps"], 3)
    if child is not None:
        conn.send("exit")
        child.join(a.timeout)
    print("RESULT " + json.dumps(result), flush=True)
    return 0 if result["verified"] else 1


if __name__ == "__main__":
    sys.exit(main())
