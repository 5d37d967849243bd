// Writes small text PDFs for the tests, so that no binary fixture is kept in
// the repository and the expected text is known exactly. Only a writer:
// reading PDFs is the job of the server under test.
//
// The file: a catalog, a page tree, one Helvetica Type1 font with
// WinAnsiEncoding shared by every page, and per page one content stream with
// one BT/ET text block (`Td` to each line's start, `Tj` to show it); then an
// xref table whose offsets are the objects' byte offsets, and the trailer.

const FONT_SIZE = 11;
const LEADING = 14;
const LEFT = 56;
const TOP = 790;

/** Characters outside Latin-1 that WinAnsiEncoding has, and their codes. */
const WIN_ANSI = new Map([
  ["€", 0x80], ["‚", 0x82], ["„", 0x84], ["…", 0x85], ["‘", 0x91], ["’", 0x92],
  ["“", 0x93], ["”", 0x94], ["•", 0x95], ["–", 0x96], ["—", 0x97], ["™", 0x99],
]);

/** A PDF (Buffer) with one page per array of lines. */
export function textPdf(pages) {
  if (!Array.isArray(pages) || pages.length === 0) throw new Error("a PDF needs at least one page");
  const objects = [];
  const add = (body) => {
    objects.push(body);
    return objects.length;
  };
  const catalog = add(null);
  const pageTree = add(null);
  const font = add(Buffer.from("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>", "latin1"));
  const kids = [];
  for (const lines of pages) {
    const ops = ["BT", `/F1 ${FONT_SIZE} Tf`];
    lines.forEach((line, i) => {
      // The first Td moves to the top left corner; each next one a line down.
      ops.push(i === 0 ? `${LEFT} ${TOP} Td` : `0 ${-LEADING} Td`);
      ops.push(`(${pdfString(line)}) Tj`);
    });
    ops.push("ET");
    const stream = Buffer.from(ops.join("\n") + "\n", "latin1");
    const content = add(
      Buffer.concat([
        Buffer.from(`<< /Length ${stream.length} >>\nstream\n`, "latin1"),
        stream,
        Buffer.from("endstream", "latin1"),
      ]),
    );
    kids.push(
      add(
        Buffer.from(
          `<< /Type /Page /Parent ${pageTree} 0 R /MediaBox [0 0 595 842] ` +
            `/Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`,
          "latin1",
        ),
      ),
    );
  }
  objects[catalog - 1] = Buffer.from(`<< /Type /Catalog /Pages ${pageTree} 0 R >>`, "latin1");
  objects[pageTree - 1] = Buffer.from(
    `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] /Count ${kids.length} >>`,
    "latin1",
  );

  // A header with a comment of high bytes marks the file as binary.
  const parts = [Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let offset = parts[0].length;
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, "latin1"), body, Buffer.from("\nendobj\n", "latin1")]);
    parts.push(obj);
    offset += obj.length;
  });
  const xref = offset;
  // Each xref entry is exactly 20 bytes: offset (10 digits), generation (5),
  // type, and a two-byte end of line (space, LF).
  let table = `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) table += `${String(o).padStart(10, "0")} 00000 n \n`;
  table += `trailer\n<< /Size ${objects.length + 1} /Root ${catalog} 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  parts.push(Buffer.from(table, "latin1"));
  return Buffer.concat(parts);
}

/** Splits lines into pages of at most `perPage` lines each. */
export function paginate(lines, perPage = 50) {
  const pages = [];
  for (let i = 0; i < lines.length; i += perPage) pages.push(lines.slice(i, i + perPage));
  return pages.length ? pages : [[]];
}

/**
 * A PDF literal string's contents in WinAnsiEncoding: `\`, `(` and `)`
 * escaped, Latin-1 as is, a few typographic marks mapped, anything else "?".
 */
function pdfString(text) {
  let out = "";
  for (const c of text) {
    let code = WIN_ANSI.get(c) ?? c.codePointAt(0);
    if (code > 0xff || (code < 0x20 && c !== "\t")) code = 0x3f; // "?"
    const ch = String.fromCharCode(code);
    out += ch === "\\" || ch === "(" || ch === ")" ? `\\${ch}` : ch;
  }
  return out;
}
