import { describe, expect, it } from "vitest";
import { Prisma } from "@/lib/generated/prisma/client";
import { DatabaseUnavailableError, isConnectionFailure, ServiceUnavailableError } from "@/lib/errors/unavailable";

/** What Prisma 7 with the pg adapter throws when PostgreSQL restarts under a query (issue 17, item 13). */
function prismaDatabaseError(code: string, originalCode: string, message: string): Prisma.PrismaClientKnownRequestError {
  const driverAdapterError = Object.assign(new Error(message), {
    name: "DriverAdapterError",
    cause: { kind: "postgres", code: originalCode, originalCode, originalMessage: message },
  });
  return new Prisma.PrismaClientKnownRequestError(`Database error. Code: \`${originalCode}\`. Message: \`${message}\``, {
    code,
    clientVersion: "7",
    meta: { driverAdapterError },
  });
}

describe("isConnectionFailure", () => {
  it("recognises a PostgreSQL restart wrapped by Prisma (P2039 / P2010 carrying 57P01, 57P03)", () => {
    expect(isConnectionFailure(prismaDatabaseError("P2039", "57P01", "terminating connection due to administrator command"))).toBe(true);
    expect(isConnectionFailure(prismaDatabaseError("P2010", "57P03", "the database system is starting up"))).toBe(true);
    expect(isConnectionFailure(prismaDatabaseError("P2039", "08006", "connection failure"))).toBe(true);
    // Found through the adapter error alone (a message without the code).
    const bare = new Prisma.PrismaClientKnownRequestError("Database error", {
      code: "P2039",
      clientVersion: "7",
      meta: { driverAdapterError: { cause: { originalCode: "57P01" } } },
    });
    expect(isConnectionFailure(bare)).toBe(true);
  });

  it("recognises connection errors, pg's and Prisma's codes, and causes", () => {
    expect(isConnectionFailure(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toBe(true);
    expect(isConnectionFailure(Object.assign(new Error("x"), { code: "57P01" }))).toBe(true);
    expect(isConnectionFailure(new Error("wrapped", { cause: new Error("Connection terminated unexpectedly") }))).toBe(true);
    expect(isConnectionFailure(new DatabaseUnavailableError())).toBe(true);
  });

  it("does not take data errors or bugs for an outage", () => {
    expect(isConnectionFailure(prismaDatabaseError("P2039", "22P02", "invalid input syntax for type integer"))).toBe(false);
    expect(isConnectionFailure(prismaDatabaseError("P2010", "23505", "duplicate key value violates unique constraint"))).toBe(false);
    expect(isConnectionFailure(new TypeError("Cannot read properties of undefined"))).toBe(false);
    expect(isConnectionFailure(null)).toBe(false);
  });

  it("DatabaseUnavailableError is a ServiceUnavailableError with Retry-After 1", () => {
    const error = new DatabaseUnavailableError();
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error.retryAfterSeconds).toBe(1);
    expect(error.code).toBe("unavailable");
  });
});
