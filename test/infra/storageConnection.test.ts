// How keyward reads a storage connection, as the Functions host documents it: a connection string
// in the setting itself, or NAME__accountName / NAME__blobServiceUri + __tableServiceUri by identity.
import { describe, expect, it } from "vitest";
import { firstStorageConnection, readStorageConnection } from "../../shared/storage/connection";
import { readSettings } from "../../shared/settings";

describe("storage connections", () => {
  it("reads a connection string from the setting itself", () => {
    expect(readStorageConnection({ S: "UseDevelopmentStorage=true" }, "S")).toEqual({ kind: "connectionString", setting: "S", connectionString: "UseDevelopmentStorage=true" });
  });

  it("reads an identity-based connection from the service URIs, with the identity's client id", () => {
    expect(readStorageConnection({
      S__blobServiceUri: "https://acct.blob.core.windows.net/", S__tableServiceUri: "https://acct.table.core.windows.net",
      S__credential: "managedidentity", S__clientId: "0000-client",
    }, "S")).toEqual({ kind: "identity", setting: "S", blobServiceUri: "https://acct.blob.core.windows.net", tableServiceUri: "https://acct.table.core.windows.net", clientId: "0000-client" });
  });

  it("derives the public cloud's URIs from __accountName", () => {
    expect(readStorageConnection({ S__accountName: "stdata1" }, "S")).toEqual({
      kind: "identity", setting: "S", blobServiceUri: "https://stdata1.blob.core.windows.net", tableServiceUri: "https://stdata1.table.core.windows.net",
    });
  });

  it("refuses a half-set connection, a credential other than managedidentity, and http URIs, naming the setting", () => {
    expect(() => readStorageConnection({ S__blobServiceUri: "https://a.blob.core.windows.net" }, "S")).toThrow(/S__tableServiceUri/);
    expect(() => readStorageConnection({ S__accountName: "a1b2c3", S__credential: "clientsecret" }, "S")).toThrow(/S__credential/);
    expect(() => readStorageConnection({ S__blobServiceUri: "http://a/", S__tableServiceUri: "http://b/" }, "S")).toThrow(/https/);
    expect(() => readStorageConnection({ S__clientId: "x" }, "S")).toThrow(/S__accountName/);
    expect(() => readStorageConnection({ S__accountName: "Not_An_Account" }, "S")).toThrow(/storage account name/);
  });

  it("is unset when none of its settings is", () => {
    expect(readStorageConnection({ OTHER: "x" }, "S")).toBeUndefined();
  });

  it("takes KEYWARD_DATA_STORAGE for the data, else AzureWebJobsStorage", () => {
    const host = { AzureWebJobsStorage__accountName: "sthost1" };
    expect(readSettings(host).dataStorage).toMatchObject({ kind: "identity", setting: "AzureWebJobsStorage", tableServiceUri: "https://sthost1.table.core.windows.net" });
    expect(readSettings({ ...host, KEYWARD_DATA_STORAGE__accountName: "stdata1" }).dataStorage).toMatchObject({ setting: "KEYWARD_DATA_STORAGE", tableServiceUri: "https://stdata1.table.core.windows.net" });
    expect(readSettings({ AzureWebJobsStorage: "UseDevelopmentStorage=true" }).dataStorage).toMatchObject({ kind: "connectionString" });
    expect(firstStorageConnection({}, ["KEYWARD_DATA_STORAGE", "AzureWebJobsStorage"])).toBeUndefined();
  });
});
