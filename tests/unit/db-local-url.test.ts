import { describe, expect, it } from "vitest";
import { assertLocalDatabaseUrl, isLocalDatabaseUrl } from "@/lib/db/local-url";

describe("isLocalDatabaseUrl", () => {
  it.each([
    "postgresql://postgres@127.0.0.1:5432/test",
    "postgres://u:p@localhost/test",
    "postgresql://postgres@[::1]:5432/test",
    "postgresql:///test?host=/var/run/postgresql",
    "postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/test",
  ])("accepts %s", (url) => {
    expect(isLocalDatabaseUrl(url)).toBe(true);
  });

  it.each([
    "postgresql://postgres@db.example.com:5432/prod",
    "postgresql://postgres@10.0.0.5/test",
    "postgresql://postgres@127.0.0.1.evil.com/test",
    "postgresql://x@example.com/db?host=db.internal",
    "mysql://root@127.0.0.1/test",
    "not a url",
  ])("refuses %s", (url) => {
    expect(isLocalDatabaseUrl(url)).toBe(false);
  });

  it("names the host but not the password when refusing", () => {
    expect(() => assertLocalDatabaseUrl("postgresql://u:secret@db.example.com/prod")).toThrow(/db\.example\.com/);
    expect(() => assertLocalDatabaseUrl("postgresql://u:secret@db.example.com/prod")).not.toThrow(/secret/);
  });
});
