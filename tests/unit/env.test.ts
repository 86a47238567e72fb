import { describe, expect, it } from "vitest";
import { envVar, parseEnv } from "@/lib/env";

describe("parseEnv", () => {
  it("applies the defaults and leaves NODE_ENV unset when it is", () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ PORT: 3000, LOG_LEVEL: "info", PROMPTDECK_DATA_DIR: ".data", PROMPTDECK_SIMULATOR_SPEED: 1, DATABASE_POOL_MAX: 10 });
    expect(env.NODE_ENV).toBeUndefined();
  });

  it("names every bad variable in one message", () => {
    expect(() => parseEnv({ PORT: "http", PROMPTDECK_SIMULATOR_SPEED: "-2", PROMPTDECK_SIMULATOR_URL: "not a url" })).toThrow(
      /PORT: .*\n.*PROMPTDECK_SIMULATOR_URL: .*\n.*PROMPTDECK_SIMULATOR_SPEED: must be a positive number/s,
    );
  });

  it("treats an empty PROMPTDECK_SIMULATOR_SPEED as unset", () => {
    expect(parseEnv({ PROMPTDECK_SIMULATOR_SPEED: "" }).PROMPTDECK_SIMULATOR_SPEED).toBe(1);
    expect(parseEnv({ PROMPTDECK_SIMULATOR_SPEED: "50" }).PROMPTDECK_SIMULATOR_SPEED).toBe(50);
  });
});

describe("envVar", () => {
  it("parses one variable with its schema and ignores the others", () => {
    expect(envVar("LOG_LEVEL", { LOG_LEVEL: "warn", PORT: "not a port" })).toBe("warn");
    expect(envVar("PROMPTDECK_DATA_DIR", {})).toBe(".data");
  });

  it("reads the source each time (nothing cached)", () => {
    const source: Record<string, string | undefined> = { LOG_LEVEL: "debug" };
    expect(envVar("LOG_LEVEL", source)).toBe("debug");
    source.LOG_LEVEL = "error";
    expect(envVar("LOG_LEVEL", source)).toBe("error");
  });

  it("throws the variable's name and the problem for a bad value", () => {
    expect(() => envVar("LOG_LEVEL", { LOG_LEVEL: "loud" })).toThrow(/Invalid environment configuration:\n {2}LOG_LEVEL: /);
  });
});
