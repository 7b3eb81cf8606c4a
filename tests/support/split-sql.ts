const TRIGGER_START = /^\s*CREATE\s+(?:TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i;

/**
 * Splits a SQL script (schema.sql) into single statements for D1, whose `exec()` splits on newlines
 * and whose `prepare()` takes one statement. A `;` inside quotes, comments, CASE … END or a
 * trigger's BEGIN … END does not split.
 */
export function splitSql(script: string): string[] {
  const statements: string[] = [];
  let current = '';
  let depth = 0;
  let i = 0;
  const flush = () => {
    if (current.trim() !== '') statements.push(current.trim());
    current = '';
    depth = 0;
  };
  while (i < script.length) {
    const ch = script.charAt(i);
    const next = script.charAt(i + 1);
    if (ch === '-' && next === '-') {
      const end = script.indexOf('\n', i);
      i = end === -1 ? script.length : end;
    } else if (ch === '/' && next === '*') {
      const end = script.indexOf('*/', i + 2);
      i = end === -1 ? script.length : end + 2;
      current += ' ';
    } else if (ch === "'" || ch === '"' || ch === '`' || ch === '[') {
      const close = ch === '[' ? ']' : ch;
      let j = i + 1;
      // A doubled quote is an escaped quote, not the end.
      while (j < script.length && !(script.charAt(j) === close && script.charAt(j + 1) !== close)) j += script.charAt(j) === close ? 2 : 1;
      current += script.slice(i, j + 1);
      i = j + 1;
    } else if (/[A-Za-z_]/.test(ch)) {
      let j = i;
      while (j < script.length && /[A-Za-z0-9_$]/.test(script.charAt(j))) j += 1;
      const word = script.slice(i, j).toUpperCase();
      if (word === 'CASE' || (word === 'BEGIN' && TRIGGER_START.test(current))) depth += 1;
      else if (word === 'END' && depth > 0) depth -= 1;
      current += script.slice(i, j);
      i = j;
    } else if (ch === ';' && depth === 0) {
      flush();
      i += 1;
    } else {
      current += ch;
      i += 1;
    }
  }
  flush();
  return statements;
}
