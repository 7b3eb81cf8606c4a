import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readMigrations } from '../../src/db/sqlite.js';
import { splitSql } from '../support/split-sql.js';

describe('splitSql', () => {
  it('splits on semicolons between statements and drops comments', () => {
    expect(splitSql('-- a table\nCREATE TABLE a (x TEXT);\n/* block */ CREATE INDEX i ON a (x);\n')).toEqual([
      'CREATE TABLE a (x TEXT)',
      'CREATE INDEX i ON a (x)',
    ]);
  });

  it('keeps semicolons inside quotes, doubled quotes included', () => {
    expect(splitSql(`INSERT INTO a VALUES ('x;''y'); INSERT INTO "b;c" VALUES (1)`)).toEqual([
      `INSERT INTO a VALUES ('x;''y')`,
      'INSERT INTO "b;c" VALUES (1)',
    ]);
  });

  it('keeps a trigger body whole, CASE … END inside it too', () => {
    const trigger = `CREATE TRIGGER t AFTER INSERT ON a BEGIN
  UPDATE b SET n = CASE WHEN n > 0 THEN n + 1 ELSE 1 END;
  DELETE FROM c;
END`;
    expect(splitSql(`${trigger};\nCREATE TABLE d (x TEXT);`)).toEqual([trigger, 'CREATE TABLE d (x TEXT)']);
  });

  it('gives one statement per CREATE in schema.sql', () => {
    const schema = readFileSync(new URL('../../schema.sql', import.meta.url), 'utf8');
    const statements = splitSql(schema);
    expect(statements.length).toBe(schema.match(/^CREATE /gm)?.length);
    for (const s of statements) expect(s).toMatch(/^CREATE /);
  });

  it('gives one statement per top-level statement of every migration file', () => {
    for (const { name, sql } of readMigrations()) {
      const statements = splitSql(sql);
      expect(statements.length, name).toBe(sql.match(/^(CREATE|UPDATE|INSERT|DELETE|ALTER|DROP|PRAGMA) /gm)?.length);
    }
  });
});
