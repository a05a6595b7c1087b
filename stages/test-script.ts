/**
 * The in-image test script of a NIXL recipe (test-<name>.sh), generated from the final stage's
 * artifacts: every file it checks is a file an artifact declares, so it cannot test a plugin name
 * that is never built. Run inside the built image: `docker run --rm IMAGE bash /test.sh`
 * (or with `--device /dev/infiniband/uverbs0` on an EFA host for the fi_info check).
 */
import { linkAssertion, pathIn, stageArgs, uniqueSonameAssertion, type AnyArtifact, type Arg, type Recipe } from "../src/index.ts";
import { nixlBindingsImport } from "./torch.ts";

/**
 * The fail-fast EFA preflight of the test script: without an EFA device in the container NIXL's
 * LIBFABRIC backend comes up on libfabric's tcp provider and can hang for good (nixl_example
 * LIBFABRIC hung 36 minutes in NIXL's CI: https://github.com/ai-dynamo/nixl/pull/2205), and without
 * an unlimited memlock limit EFA memory registration fails (--skip-limit-conf drops efa-config).
 * Both stop the script at once with the docker run flags that fix them. STAGEWRIGHT_SKIP_EFA=1 skips
 * the EFA checks on purpose (a host without EFA); EFA_DEVICE_DIR overrides /dev/infiniband (tests).
 */
export const EFA_PREFLIGHT = [
  "# EFA preflight (fail fast): NIXL's LIBFABRIC backend falls back to libfabric's tcp provider without an EFA device and can hang (https://github.com/ai-dynamo/nixl/pull/2205)",
  'efa_dir="${EFA_DEVICE_DIR:-/dev/infiniband}"',
  'if [ "${STAGEWRIGHT_SKIP_EFA:-0}" = 1 ]; then',
  '  skip "EFA: device and memlock checks (STAGEWRIGHT_SKIP_EFA=1)"',
  'elif ! compgen -G "$efa_dir/uverbs*" > /dev/null; then',
  '  fail "EFA: no EFA device in $efa_dir; NIXL LIBFABRIC would fall back to tcp and can hang"',
  '  echo "    fix: run the container with the EFA devices, e.g. docker run --device /dev/infiniband/uverbs0 ... (one --device per uverbs*; on EKS request vpc.amazonaws.com/efa), or set STAGEWRIGHT_SKIP_EFA=1 on a host without EFA" >&2',
  '  echo "${passed} passed, ${failed} failed, ${skipped} skipped"',
  "  exit 1",
  'elif [ "$(ulimit -l)" != unlimited ]; then',
  '  fail "EFA: the memlock limit is $(ulimit -l) KiB, not unlimited; EFA memory registration needs it (the image skips efa-config)"',
  '  echo "    fix: docker run --ulimit memlock=-1 ... (on Kubernetes: the container runtime\'s default ulimits)" >&2',
  '  echo "${passed} passed, ${failed} failed, ${skipped} skipped"',
  "  exit 1",
  "else",
  '  pass "EFA: devices in $efa_dir and an unlimited memlock limit"',
  "fi",
].join("\n");

/**
 * Shell that succeeds when torch is installed in the image's Python (found, not imported: a torch whose
 * import fails must make the checks that need it fail, not pass as an image without torch).
 */
const TORCH_INSTALLED = `python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is None)'`;

function artifactsOf(r: Recipe): AnyArtifact[] {
  const inherited = r.final.contains.filter((c): c is AnyArtifact => "delivery" in c);
  const byKey = new Map<string, AnyArtifact>();
  for (const a of [...inherited, ...r.final.needs.flatMap((n) => (n.artifact ? [n.artifact] : []))]) byKey.set(`${a.kind}:${a.producer}`, a);
  return [...byKey.values()];
}

/**
 * The test script text for a recipe whose final stage holds NIXL artifacts.
 *
 * @example
 * const text = nixlImageTestScript(alignedRecipe())
 */
export function nixlImageTestScript(r: Recipe): string {
  const artifacts = artifactsOf(r);
  const byKind = new Map(artifacts.map((a) => [a.kind, a] as const));
  const usedArgs = new Map<string, Arg>();
  for (const a of artifacts) for (const arg of a.args) usedArgs.set(arg.name, arg);
  for (const s of r.stages) for (const arg of stageArgs(s)) if (arg.name === "ARCH") usedArgs.set(arg.name, arg);
  const defaults = [...usedArgs.values()]
    .map((a) => (a.name === "ARCH" ? 'ARCH="${ARCH:-$(uname -m)}"' : `${a.name}="\${${a.name}:-${a.default}}"`))
    .sort();
  const checks: string[] = [];
  const check = (title: string, body: string) => checks.push(`check ${JSON.stringify(title)} <<'CHECK'\n${body}\nCHECK`);

  for (const a of artifacts) {
    for (const f of a.runtimeFiles) check(`${a.kind}: ${f} exists`, `test -e "${pathIn(a, f)}"`);
  }
  for (const soname of [...new Set(artifacts.flatMap((a) => a.sonames))]) check(`exactly one ${soname} is visible to the loader`, uniqueSonameAssertion(soname));
  for (const a of artifacts) {
    for (const l of a.links) {
      const provider = byKind.get(l.kind);
      if (provider !== undefined) check(`${a.kind}: ${l.file} loads ${l.soname} from ${provider.kind} (stage ${provider.producer})`, linkAssertion(a, l, provider));
    }
  }
  const nixl = byKind.get("nixl");
  if (nixl !== undefined) {
    // import nixl needs torch (nixl._api imports it); an image built with torch "none" leaves torch to its consumer.
    checks.push(
      [
        `if ${TORCH_INSTALLED} > /dev/null 2>&1; then`,
        `  check "python: import nixl and print its version" <<'CHECK'`,
        `python -c 'import importlib.metadata as m, nixl; print("nixl", m.version("nixl"))'`,
        "CHECK",
        "else",
        `  check "python: the NIXL bindings import (no torch in the image: import nixl needs the consumer's torch)" <<'CHECK'`,
        nixlBindingsImport("python"),
        "CHECK",
        "fi",
      ].join("\n"),
    );
    // The final image's own ENV decides: a runtime that leaves NIXL_PLUGIN_DIR unset (omitEnv, a wheel that finds its
    // plugins next to its libnixl.so) must not be tested for it, and an ENV left over from elsewhere is the failure then.
    const setsPluginDir = r.final.steps.some((i) => i.op === "ENV" && i.vars.some(([name]) => name === "NIXL_PLUGIN_DIR"));
    if (setsPluginDir) check("NIXL_PLUGIN_DIR points at the plugin directory", `test "\${NIXL_PLUGIN_DIR:-}" = "${pathIn(nixl, nixl.layout.plugins[0] ?? "")}"`);
    else {
      // Fails closed: unset alone would pass anywhere; the installed wheel must also list every plugin the prefix built.
      const plugins = nixl.runtimeFiles.flatMap((f) => /libplugin_(\w+)\.so$/.exec(f)?.[1] ?? []);
      check(
        "NIXL_PLUGIN_DIR is unset, as the image leaves it, and the installed nixl lists its plugins without it",
        [
          'test -z "${NIXL_PLUGIN_DIR+set}"',
          // nixl._api imports torch: an image without torch (option torch "none") proves the bindings import instead.
          `if ! ${TORCH_INSTALLED} > /dev/null 2>&1; then`,
          '  echo "no torch in the image: nixl._api needs it, so the compiled bindings are imported instead of listing the plugins"',
          `  ${nixlBindingsImport("python")}`,
          "  exit 0",
          "fi",
          `python -c 'from nixl._api import nixl_agent, nixl_agent_config; got = nixl_agent("stagewright-test", nixl_agent_config(backends=[])).get_plugin_list(); want = ${JSON.stringify(plugins)}; print("plugins:", got); missing = [p for p in want if p not in got]; assert not missing, f"missing plugins: {missing}"'`,
        ].join("\n"),
      );
    }
  }
  const bench = byKind.get("nixlbench");
  if (bench !== undefined) {
    check("nixlbench: --help prints its flags", `out="$("${pathIn(bench, "bin/nixlbench")}" --help 2>&1 || true)"\ngrep -q -i "flags" <<< "$out"`);
  }
  const fabric = byKind.get("libfabric");
  const preflight: string[] = [];
  if (fabric !== undefined) {
    preflight.push(EFA_PREFLIGHT);
    checks.push(
      [
        'if [ "${STAGEWRIGHT_SKIP_EFA:-0}" = 1 ]; then',
        `  skip "libfabric: fi_info -p efa (STAGEWRIGHT_SKIP_EFA=1)"`,
        `elif out="$("${pathIn(fabric, "bin/fi_info")}" -p efa 2>&1)"; then`,
        `  pass "libfabric: fi_info -p efa lists the EFA provider"`,
        `else`,
        `  fail "libfabric: fi_info -p efa finds no EFA provider although $efa_dir has devices: $out"`,
        `fi`,
      ].join("\n"),
    );
  }
  const ofi = byKind.get("aws-ofi-nccl");
  if (ofi !== undefined) {
    check(
      "NCCL finds the OFI plugin: libnccl-net.so is in the loader cache from the aws-ofi-nccl prefix",
      // Fails closed: readlink -e fails for a missing file (readlink -f prints a path or nothing, and an
      // empty want matched an empty loader entry: a PASS on a host without the plugin).
      `want="$(readlink -e "${pathIn(ofi, "lib/libnccl-net.so")}")"\nfound="$(ldconfig -p | awk '$1 == "libnccl-net.so" {print $NF}' | xargs -r -n1 readlink -e)"\ntest -n "$want" && test -n "$found"\ngrep -qxF "$want" <<< "$found"`,
    );
    // The image's NCCL: a built one (its artifact), else the base image's, as the loader finds it (awk reads the whole
    // listing: exiting at the match would SIGPIPE ldconfig, and pipefail fail the check).
    const nccl = byKind.get("nccl");
    const ncclLib = nccl !== undefined ? `"${pathIn(nccl, "lib")}/libnccl.so.2"` : `"$(ldconfig -p | awk '$1 == "libnccl.so.2" && !n++ {print $NF}')"`;
    // NCCL loads its net plugin when a communicator is created, which needs a GPU: create one
    // communicator through the image's NCCL (python3's ctypes: the lean image has no compiler) and
    // look for the OFI plugin in NCCL_DEBUG output.
    checks.push(
      [
        "if ! nvidia-smi -L > /dev/null 2>&1; then",
        '  skip "NCCL: NET/OFI on communicator init (no GPU visible; run the container with --gpus all)"',
        "else",
        '  check "NCCL: a communicator init loads the OFI net plugin (NCCL_DEBUG=INFO shows NET/OFI)" <<\'CHECK\'',
        `lib=${ncclLib}`,
        'st=0',
        "out=\"$(NCCL_DEBUG=INFO python3 - \"$lib\" 2>&1 <<'PY'",
        "import ctypes, sys",
        "nccl = ctypes.CDLL(sys.argv[1])",
        "nccl.ncclGetErrorString.restype = ctypes.c_char_p",
        "comm = ctypes.c_void_p()",
        "dev = (ctypes.c_int * 1)(0)",
        "r = nccl.ncclCommInitAll(ctypes.byref(comm), 1, dev)",
        "if r != 0:",
        "    sys.exit(nccl.ncclGetErrorString(r).decode())",
        "nccl.ncclCommDestroy(comm)",
        "PY",
        ")\" || st=$?",
        "awk '/NET\\// && n < 8 {print; n++}' <<< \"$out\"",
        // Without an EFA device the plugin cannot come up (it filters for the efa provider), and on a GPU host without
        // EFA the process then died with SIGSEGV (docs/build-truth.md): on purpose (STAGEWRIGHT_SKIP_EFA=1) only the
        // loading is checked; with EFA the communicator must come up through NET/OFI, and a failure shows NCCL's words.
        'if [ "${STAGEWRIGHT_SKIP_EFA:-0}" = 1 ]; then',
        '  echo "the one-communicator program exited $st (STAGEWRIGHT_SKIP_EFA=1: only the plugin\'s loading is checked)"',
        '  grep -q "NET/OFI Initializing aws-ofi-nccl" <<< "$out"',
        'elif [ "$st" -ne 0 ]; then',
        '  echo "the one-communicator program failed (exit $st; 139 = SIGSEGV):"',
        '  tail -n 20 <<< "$out"',
        '  exit 1',
        'else',
        '  grep -q "NET/OFI" <<< "$out"',
        'fi',
        "CHECK",
        "fi",
      ].join("\n"),
    );
    // torch loads its own NCCL from site-packages (its RPATH), not the image's: the plugin must load there too.
    // Without an EFA device the plugin fails and the torch process dies (SIGSEGV, docs/build-truth.md), so EFA is required.
    checks.push(
      [
        `if ! ${TORCH_INSTALLED} > /dev/null 2>&1; then`,
        `  skip "torch: its NCCL loads the OFI net plugin (no torch in the image)"`,
        'elif [ "${STAGEWRIGHT_SKIP_EFA:-0}" = 1 ] || ! nvidia-smi -L > /dev/null 2>&1; then',
        `  skip "torch: its NCCL loads the OFI net plugin (needs a GPU, --gpus all, and an EFA device)"`,
        "else",
        `  check "torch: its own NCCL loads the OFI net plugin on a one-rank all_reduce (NCCL_DEBUG=INFO shows NET/OFI)" <<'CHECK'`,
        `out="$(NCCL_DEBUG=INFO MASTER_ADDR=127.0.0.1 MASTER_PORT="\${STAGEWRIGHT_TORCH_PORT:-29511}" python -c 'import torch, torch.distributed as d; d.init_process_group("nccl", rank=0, world_size=1); t = torch.ones(1, device="cuda"); d.all_reduce(t); torch.cuda.synchronize(); print("torch", torch.__version__, "NCCL", torch.cuda.nccl.version(), "all_reduce", t.item()); d.destroy_process_group()' 2>&1)"`,
        "awk '/NET\\// && n < 5 {print; n++}' <<< \"$out\"",
        'grep -q "NET/OFI" <<< "$out"',
        "CHECK",
        "fi",
      ].join("\n"),
    );
  }

  return `#!/usr/bin/env bash
# Generated by stagewright from recipe ${r.name}; do not edit (regenerate with npm run generate).
# Run inside the built image. Paths follow the image's build ARGs; export the same names to override.
set -uo pipefail

usage() {
  cat <<'USAGE'
Test the ${r.name} image from inside it: every runtime file its artifacts declare exists, each soname is
visible to the loader exactly once, each library loads its dependency from the artifact it was built
against, and the component smoke checks (NIXL import, fi_info, the NCCL OFI plugin) pass.

usage: test-${r.name}.sh [-h|--help]

Run it in the built image: docker run --rm IMAGE bash /path/to/test-${r.name}.sh
(on an EFA host add --device /dev/infiniband/uverbs0; with GPUs add --gpus all).
Paths follow the image's build ARGs; export the same names to override them:
${[...usedArgs.keys()].sort().map((k) => `  ${k}`).join("\n")}

Every check fails closed: a missing file or an empty answer is a FAIL, never a PASS. A check that needs a
device the container does not have is a SKIP. Exit status: 0 when nothing failed, 1 otherwise, 2 on a
usage error.
USAGE
}
case "\${1:-}" in
  -h|--help) usage; exit 0 ;;
  "") ;;
  *) echo "test-${r.name}.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
esac

${defaults.join("\n")}
export ${[...usedArgs.keys()].sort().join(" ")}

passed=0
failed=0
skipped=0
pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1"; }
skip() { skipped=$((skipped + 1)); echo "SKIP $1"; }
check() {
  local title=$1 body
  body="$(cat)"
  if out="$(bash -euo pipefail -c "$body" 2>&1)"; then pass "$title"; else fail "$title"; printf '%s\\n' "$out" | sed 's/^/    /'; fi
}

${preflight.join("\n\n")}${preflight.length > 0 ? "\n\n" : ""}${checks.join("\n\n")}

echo "${"$"}{passed} passed, ${"$"}{failed} failed, ${"$"}{skipped} skipped"
[ "$failed" -eq 0 ]
`;
}
