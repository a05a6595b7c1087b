/**
 * The rows of the NIXL image comparison (`stagewright compare`), each read from the recipe object:
 * resolved ARG values and the artifacts of the final image. Nothing here restates a fact by hand.
 */
import { literalPathIn, recipeArgs, resolvedVersion, type AnyArtifact, type ComparisonRow, type Recipe } from "../src/index.ts";

function arg(r: Recipe, name: string): string | undefined {
  return recipeArgs(r).find((a) => a.name === name)?.default;
}

/**
 * Every artifact the recipe's final image holds (inherited, copied in, or installed), by kind.
 *
 * @example
 * finalArtifacts(alignedRecipe()).get("libfabric")?.prefix // "/usr/local"
 */
export function finalArtifacts(r: Recipe): Map<string, AnyArtifact> {
  const out = new Map<string, AnyArtifact>();
  for (const c of r.final.contains) if ("delivery" in c) out.set(c.kind, c as AnyArtifact);
  for (const n of r.final.needs) if (n.artifact !== undefined) out.set(n.kind, n.artifact);
  return out;
}

/** Every artifact any stage of the recipe provides, by kind (first producer wins). */
function anyArtifact(r: Recipe, kind: string): AnyArtifact | undefined {
  for (const s of r.stages) for (const a of Object.values(s.provides)) if (a.kind === kind) return a;
  return undefined;
}

function describe(r: Recipe, a: AnyArtifact | undefined, what: "version" | "prefix"): string {
  if (a === undefined) return "not in the image";
  const v = resolvedVersion(a, (n) => arg(r, n));
  const origin = a.facts["distribution"] === "efa-installer" ? `EFA installer ${a.facts["installerVersion"] ?? ""} (AWS fork)` : a.facts["distribution"] === "base-image" ? "from the base image" : undefined;
  if (what === "prefix") return a.prefix;
  return origin === undefined ? v : origin;
}

const row = (key: string, value: (r: Recipe) => string, abi = false): ComparisonRow => ({ key, value, abi });

/**
 * The comparison rows of a NIXL + EFA image.
 *
 * @example
 * compareRecipes([a, b], nixlImageRows, nixlLinkage)
 */
export const nixlImageRows: readonly ComparisonRow[] = [
  row("base image", (r) => `${arg(r, "BASE_IMAGE") ?? "?"}:${arg(r, "BASE_TAG") ?? "?"}`),
  row("CUDA", (r) => {
    const cuda = anyArtifact(r, "cuda");
    return cuda === undefined ? "unknown" : resolvedVersion(cuda, (n) => arg(r, n));
  }),
  row("Ubuntu", (r) => /ubuntu(\d+\.\d+)/.exec(arg(r, "BASE_TAG") ?? "")?.[1] ?? "not named by the tag"),
  row("Python (PYTHON_VERSION)", (r) => arg(r, "PYTHON_VERSION") ?? "none"),
  row("NIXL (NIXL_VERSION)", (r) => arg(r, "NIXL_VERSION") ?? "not built"),
  row("NIXL prefix (NIXL_PREFIX)", (r) => arg(r, "NIXL_PREFIX") ?? "not built"),
  row("NIXL build type", (r) => arg(r, "NIXL_BUILD_TYPE") ?? "not built"),
  row("UCX", (r) => describe(r, finalArtifacts(r).get("ucx"), "version"), true),
  row("UCX prefix", (r) => describe(r, finalArtifacts(r).get("ucx"), "prefix"), true),
  row("libfabric", (r) => describe(r, finalArtifacts(r).get("libfabric"), "version"), true),
  row("libfabric install path", (r) => describe(r, finalArtifacts(r).get("libfabric"), "prefix"), true),
  row("Rust (RUST_VERSION)", (r) => arg(r, "RUST_VERSION") ?? "none"),
  row("EFA installer (EFA_VERSION)", (r) => {
    const v = arg(r, "EFA_VERSION");
    if (v === undefined) return "not installed";
    const installer = r.stages.flatMap((s) => Object.values(s.provides)).find((a) => a.kind === "rdma-core" && a.facts["distribution"] === "efa-installer");
    const mode = installer?.facts["libfabricMode"];
    const said: Record<string, string> = { provide: "its libfabric is the image's", hide: "its libfabric removed", minimal: "--minimal: rdma-core only" };
    return `${v} (${said[mode ?? ""] ?? "mode unknown"})`;
  }),
  row("GDRCopy", (r) => {
    const g = finalArtifacts(r).get("gdrcopy") ?? anyArtifact(r, "gdrcopy");
    return g === undefined ? "not in the image" : g.facts["distribution"] === "base-image" ? `from the base image (${g.prefix})` : `${describe(r, g, "version")} in ${g.prefix}`;
  }),
  row("NCCL (NCCL_VERSION)", (r) => {
    const n = finalArtifacts(r).get("nccl");
    return n === undefined ? "not built (base image's, if any)" : `${describe(r, n, "version")} in ${n.prefix}`;
  }),
  row("aws-ofi-nccl", (r) => {
    const a = finalArtifacts(r).get("aws-ofi-nccl");
    return a === undefined ? "not in the image" : `${describe(r, a, "version")} in ${a.prefix}`;
  }),
  row("DOCA (DOCA_BUILD)", (r) => arg(r, "DOCA_BUILD") ?? "not installed"),
  row("gusli", (r) => (arg(r, "GUSLI_REF") ? `commit ${arg(r, "GUSLI_REF")!.slice(0, 12)}` : "not built")),
  row("etcd-cpp-apiv3", (r) => (arg(r, "ETCD_CPP_API_REF") ? `commit ${arg(r, "ETCD_CPP_API_REF")!.slice(0, 12)}` : "not built")),
  row("aws-sdk-cpp (AWS_SDK_CPP_VERSION)", (r) => arg(r, "AWS_SDK_CPP_VERSION") ?? "not built"),
  row("abseil / gRPC", (r) => {
    const absl = anyArtifact(r, "abseil");
    const g = anyArtifact(r, "grpc");
    return absl === undefined || g === undefined ? "Ubuntu packages (libgrpc-dev)" : `from source: abseil ${describe(r, absl, "version")}, gRPC ${describe(r, g, "version")}`;
  }),
  row("NIXL Python package built by", (r) => anyArtifact(r, "nixl-wheel")?.facts["builtBy"] ?? "not built"),
  row("Python packages", (r) => {
    const venv = anyArtifact(r, "python-venv");
    const wheel = finalArtifacts(r).get("nixl-wheel");
    return `${venv === undefined ? "system Python" : `venv ${venv.prefix}`}${wheel === undefined ? "" : ", NIXL wheel installed into it"}`;
  }),
];

/**
 * Per recipe: which libfabric each consumer links (build time) and where the loader finds it
 * (run time), read from the artifacts' links and the final image's provider.
 *
 * @example
 * nixlLinkage(alignedRecipe()) // ["nixl: libplugin_LIBFABRIC.so links libfabric.so.1 ...", ...]
 */
export function nixlLinkage(r: Recipe): string[] {
  const inImage = finalArtifacts(r);
  const out: string[] = [];
  for (const a of inImage.values()) {
    for (const l of a.links) {
      if (l.kind !== "libfabric") continue;
      const built = r.stages.find((s) => s.name === a.producer)?.needs.find((n) => n.kind === "libfabric");
      const provider = inImage.get("libfabric");
      const file = literalPathIn(a, l.file).replace(/\$\{ARCH\}/g, arg(r, "ARCH") ?? "x86_64");
      const builtAgainst = built === undefined ? (a.facts["libfabricBuiltAgainst"] ?? "an unknown prefix") : `${built.prefix} (stage ${built.producer ?? "?"})`;
      const loaded = provider === undefined ? "nothing: no libfabric in the image" : `\`${literalPathIn(provider, provider.layout.lib[0] ?? "lib")}/${l.soname}\` (stage ${provider.producer})`;
      const same = built === undefined || provider === undefined || built.prefix === provider.prefix;
      out.push(`${a.kind}: \`${file}\` is built against the libfabric in ${builtAgainst}; at run time it loads ${loaded}${same ? ", asserted with ldd at build time" : " — MISMATCH"}.`);
    }
  }
  if (out.length === 0) out.push(inImage.has("libfabric") ? "no consumer of libfabric in the image" : "no libfabric in the image");
  return out;
}
