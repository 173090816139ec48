#!/usr/bin/env node
// Builds notebooks/<Name>.ipynb from notebooks/source/<Name>.md, so cells are reviewed as one
// readable Markdown file: every ```ts fence becomes a code cell, the text between fences a
// Markdown cell. Outputs are not kept: run `npm run test:notebooks` (quick) or execute the
// notebook with NB_PROFILE=full to fill them.
// Usage: node scripts/make-notebooks.js [--check]   (--check: exit 1 if a notebook's cells differ from its source)
'use strict';
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const sourceDir = path.join(root, 'notebooks', 'source');

/** Splits a Markdown source into [{ type: 'markdown' | 'code', text }] cells. */
function parseCells(text) {
  const cells = [];
  const fence = /^```ts[ \t]*\n([\s\S]*?)^```[ \t]*$/gm;
  let last = 0;
  const pushMarkdown = (chunk) => {
    const trimmed = chunk.trim();
    if (trimmed) cells.push({ type: 'markdown', text: trimmed });
  };
  for (const m of text.matchAll(fence)) {
    pushMarkdown(text.slice(last, m.index));
    cells.push({ type: 'code', text: m[1].replace(/\s+$/, '') });
    last = m.index + m[0].length;
  }
  pushMarkdown(text.slice(last));
  return cells;
}

/** nbformat keeps source as a list of lines, each but the last ending in '\n'. */
function toLines(text) {
  const lines = text.split('\n');
  return lines.map((l, i) => (i < lines.length - 1 ? l + '\n' : l));
}

function buildNotebook(name, cells) {
  return {
    cells: cells.map((c, i) => {
      const id = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${String(i).padStart(2, '0')}`;
      return c.type === 'code'
        ? { cell_type: 'code', execution_count: null, id, metadata: {}, outputs: [], source: toLines(c.text) }
        : { cell_type: 'markdown', id, metadata: {}, source: toLines(c.text) };
    }),
    metadata: {
      kernelspec: { display_name: 'TypeScript (tslab)', language: 'typescript', name: 'tslab' },
      language_info: { codemirror_mode: { mode: 'typescript', name: 'javascript', typescript: true }, file_extension: '.ts', mimetype: 'text/typescript', name: 'typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

const sourceOf = (cell) => [cell.cell_type, Array.isArray(cell.source) ? cell.source.join('') : cell.source];

/** Builds the notebook that notebooks/source/<name>.md describes. */
function notebookFor(name) {
  return buildNotebook(name, parseCells(fs.readFileSync(path.join(sourceDir, `${name}.md`), 'utf8')));
}

/** Each cell's type and source text, for comparing notebooks without their outputs. */
const cellSources = (notebook) => notebook.cells.map(sourceOf);

function main(check) {
  let stale = 0;
  for (const file of fs.readdirSync(sourceDir).filter((f) => f.endsWith('.md')).sort()) {
    const name = path.basename(file, '.md');
    const notebook = notebookFor(name);
    const target = path.join(root, 'notebooks', `${name}.ipynb`);
    if (check) {
      const current = fs.existsSync(target) ? JSON.parse(fs.readFileSync(target, 'utf8')) : { cells: [] };
      if (JSON.stringify(cellSources(current)) !== JSON.stringify(cellSources(notebook))) {
        console.error(`notebooks/${name}.ipynb differs from notebooks/source/${file}: run node scripts/make-notebooks.js`);
        stale++;
      }
    } else {
      fs.writeFileSync(target, JSON.stringify(notebook, null, 1) + '\n');
      console.log(`wrote notebooks/${name}.ipynb (${notebook.cells.length} cells)`);
    }
  }
  return stale;
}

module.exports = { parseCells, notebookFor, cellSources };

if (require.main === module) process.exit(main(process.argv.includes('--check')) ? 1 : 0);
