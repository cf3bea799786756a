import { describe, expect, it } from "vitest";
import { API_PORT, connectAddress, serviceUrl } from "../../../components/containers/addresses.js";
import { apiVariable } from "../../../components/containers/environmentContract.js";
import { specFor, specWith } from "../support/specs.js";

describe("api address", () => {
  it("is the port of the api's environment contract", () => {
    expect(API_PORT).toBe(8000);
    expect(API_PORT).toBe(apiVariable("PORT").default);
  });
});

describe("service address", () => {
  it("is the loopback address and port by default", () => {
    expect(serviceUrl(specFor())).toBe("http://127.0.0.1:8080");
  });

  it("connects through loopback when published on every interface", () => {
    const spec = specWith({ hostAddress: "0.0.0.0", hostPort: 9000 });
    expect(connectAddress(spec)).toBe("127.0.0.1");
    expect(serviceUrl(spec)).toBe("http://127.0.0.1:9000");
  });

  it("uses a specific published address as is", () => {
    expect(serviceUrl(specWith({ hostAddress: "10.1.2.3" }))).toBe("http://10.1.2.3:8080");
  });
});
