/**
 * Keeping secrets out of what is written down: logs, summaries, model cards, images. A secret can travel in
 * another form than the one it was registered in (a server echoes a URL's `sig` percent-encoded, or decoded),
 * so every form is masked; and a command line given to an action can carry a secret the action never saw
 * registered (written inline with `${{ secrets.X }}`), so lines that are stored are also cleaned by shape.
 */

/** Values shorter than this are not masked: masking "1" or "ab" would garble every log line. */
const MIN_SECRET_LENGTH = 3;

/** The forms a secret may appear in: as given, URL-encoded (path and query styles), and URL-decoded. */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  forms.add(encodeURIComponent(value));
  forms.add(new URLSearchParams({ v: value }).toString().slice(2));
  try {
    forms.add(decodeURIComponent(value));
  } catch {
    /* not percent-encoded */
  }
  try {
    forms.add(decodeURIComponent(value.replace(/\+/g, " ")));
  } catch {
    /* not form-encoded */
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

/** Replaces every form of every known secret with `***` (longest first, so a secret inside another goes too). */
export function maskKnown(text: string, secrets: readonly string[]): string {
  const forms = [...new Set(secrets.flatMap(secretForms))].sort((a, b) => b.length - a.length);
  let out = text;
  for (const f of forms) out = out.split(f).join("***");
  return out;
}

/** A name that says it holds a secret, as a whole word of a longer name (`hf_token`, `db-password`, `sig`). */
const NAME = (sep: string) =>
  `(?:[a-z0-9]+${sep})*(?:token|secret|password|passwd|pwd|api${sep}?key|access${sep}?key|key|sas|sig|signature|credentials?|auth)(?:${sep}[a-z0-9]+)*`;
const VALUE = `("[^"]*"|'[^']*'|[^\\s"'&]+)`;

/** Shapes of secrets in a command line, each with the part to keep before the value. */
const SHAPES: [RegExp, string][] = [
  // https://user:password@host
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, "$1***@"],
  // ?sig=...&token=... in URLs
  [new RegExp(`([?&]${NAME("[-_]")}=)${VALUE}`, "gi"), "$1***"],
  // --token VALUE, --password=VALUE, --api-key 'VALUE'
  [new RegExp(`(\\s--?${NAME("[-_]")}(?:=|\\s+))${VALUE}`, "gi"), "$1***"],
  // HF_TOKEN=VALUE, DB_PASSWORD="VALUE" (environment assignments)
  [new RegExp(`((?:^|\\s)${NAME("_")}=)${VALUE}`, "gi"), "$1***"],
  // Well-known token formats: GitHub, AWS access key ids, Slack, JWTs.
  [
    /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|AKIA[0-9A-Z]{16}|xox[abprs]-[A-Za-z0-9-]{10,}|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,})\b/g,
    "***",
  ],
];

/**
 * A command line made fit to be stored (a model card's lineage, an image): known secrets in every form, then
 * anything shaped like a secret (a URL's password or `sig=`, a `--token` flag's value, a `*_TOKEN=`
 * assignment, a GitHub or AWS token) becomes `***`.
 */
export function redactCommandLine(command: string, secrets: readonly string[] = []): string {
  let out = maskKnown(command, secrets);
  for (const [pattern, replacement] of SHAPES) out = out.replace(pattern, replacement);
  return out;
}
