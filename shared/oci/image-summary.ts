import type { BuiltImage } from "./build-image";
import type { PushResult } from "./push-image";

export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

/** Markdown for the job summary: size per layer and platform, total size, pull commands. */
export function renderImageMarkdown(image: BuiltImage, pushed: PushResult[] = []): string {
  const lines = ["| platform | layer | size | digest |", "| --- | --- | ---: | --- |"];
  for (const m of image.manifests) {
    const base = m.layers.filter((l) => l.fromBase);
    const baseSize = base.reduce((n, l) => n + l.size, 0);
    lines.push(`| ${m.platform} | base (${base.length} layers) | ${formatBytes(baseSize)} | ${image.base.name} |`);
    for (const l of m.layers.filter((x) => !x.fromBase)) {
      lines.push(`| ${m.platform} | ${l.name} | ${formatBytes(l.size)} | \`${l.digest.slice(0, 19)}\` |`);
    }
    const total = m.layers.reduce((n, l) => n + l.size, 0);
    lines.push(`| ${m.platform} | **total (compressed)** | **${formatBytes(total)}** | \`${m.digest.slice(0, 19)}\` |`);
  }
  lines.push("", `Image index: \`${image.digest}\``);
  lines.push(
    "",
    `Base image: \`${image.base.name}\` resolved to \`${image.base.digest}\`; to build on exactly this base again, set \`base-image: ${image.base.name}@${image.base.digest}\`.`,
  );
  for (const p of pushed) {
    lines.push(
      "",
      "```sh",
      `docker pull ${p.image}`,
      "```",
      `${p.uploaded} blobs uploaded (${formatBytes(p.bytesUploaded)}), ${p.skipped} already present, ${p.mounted} mounted.`,
    );
  }
  return lines.join("\n");
}
