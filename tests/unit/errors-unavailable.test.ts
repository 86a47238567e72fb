import { describe, expect, it } from "vitest";
import { Prisma } from "@/lib/generated/prisma/client";
import type { IncomingMessage, ServerResponse } from "node:http";
import { AppError } from "@/lib/errors";
import { DatabaseUnavailableError, isConnectionFailure, ServiceUnavailableError, unavailableAnswer } from "@/lib/errors/unavailable";
import { routeErrorResponse } from "@/lib/http/route-error";
import { guardWeb } from "@/lib/runtime/web-guard";

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

  it("takes an overloaded database for unavailable: a pool timeout, a transaction that timed out (a 100k-item batch job under load), not other transaction errors", () => {
    const prismaError = (code: string, message: string) => new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: "7" });
    expect(isConnectionFailure(prismaError("P2024", "Timed out fetching a new connection from the connection pool."))).toBe(true);
    expect(
      isConnectionFailure(
        prismaError(
          "P2028",
          "Transaction API error: Transaction already closed: A commit cannot be executed on an expired transaction. The timeout for this transaction was 300000 ms",
        ),
      ),
    ).toBe(true);
    expect(isConnectionFailure(prismaError("P2028", "Transaction API error: Unable to start a transaction in the given time."))).toBe(true);
    expect(isConnectionFailure(prismaError("P2028", "Transaction API error: Transaction not found."))).toBe(false);
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

describe("unavailableAnswer: the one 503 of every edge (issue 17, leftover 4)", () => {
  it("maps a ServiceUnavailableError and a connection failure, and nothing else", () => {
    expect(unavailableAnswer(new ServiceUnavailableError("The call log is full; retry shortly", 7))).toEqual({
      status: 503,
      headers: { "Retry-After": "7", "Cache-Control": "no-store" },
      body: { error: { code: "unavailable", message: "The call log is full; retry shortly" } },
    });
    expect(unavailableAnswer(prismaDatabaseError("P2039", "57P01", "terminating connection due to administrator command"))).toEqual({
      status: 503,
      headers: { "Retry-After": "1", "Cache-Control": "no-store" },
      body: { error: { code: "unavailable", message: new DatabaseUnavailableError().message } },
    });
    expect(unavailableAnswer(new TypeError("bug"))).toBeNull();
    expect(unavailableAnswer(new AppError("not_found", "x"))).toBeNull();
  });

  it("a dashboard data route and the web guard send it as it is (status, Retry-After, Cache-Control, body)", async () => {
    const error = new ServiceUnavailableError("The database is unreachable; retrying shortly", 5);
    const expected = unavailableAnswer(error)!;
    const route = routeErrorResponse(error)!;
    expect(route.status).toBe(503);
    expect(route.headers.get("retry-after")).toBe("5");
    expect(route.headers.get("cache-control")).toBe("no-store");
    expect(await route.json()).toEqual(expected.body);
    expect(routeErrorResponse(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }))?.status).toBe(503);
    expect(routeErrorResponse(new TypeError("bug"))).toBeNull();

    // The web guard while the database is down: a data route (JSON) gets the same answer.
    const sent: { status?: number; headers?: Record<string, string | number>; body?: string } = {};
    const req = { url: "/p/demo/metrics/data", method: "GET", headers: { accept: "application/json" } } as unknown as IncomingMessage;
    const res = {
      writeHead(status: number, headers: Record<string, string | number>) {
        sent.status = status;
        sent.headers = headers;
        return res;
      },
      end(body?: string) {
        sent.body = body;
      },
    } as unknown as ServerResponse;
    await guardWeb(
      () => {
        throw new Error("the app must not be asked");
      },
      { databaseDown: () => true, retryAfterSeconds: 5 },
    )(req, res);
    expect(sent.status).toBe(503);
    expect(sent.headers).toMatchObject(expected.headers);
    expect(JSON.parse(sent.body!)).toEqual(expected.body);
  });
});
