using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Kubernetes.Collection;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>cfir's digest of a Secret on answers a real server would not send, or rarely.</summary>
public sealed class SecretDigestTests
{
    private static JsonElement Digest(string secret) => JsonDocument.Parse(SecretDigest.Of(Encoding.UTF8.GetBytes(secret), "GET /api/v1/namespaces/ns/secrets/s")).RootElement;

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    [Fact]
    public void StringDataEscapedValuesInvalidBase64AndUnknownFieldsAreHashedOrNamedNeverCopied()
    {
        const string Secret = """
            {"apiVersion":"v1","kind":"Secret","metadata":{"name":"s","namespace":"ns","annotations":{"a":"x\u0041y"},"managedFields":[{"manager":"kubectl","operation":"Update","time":"2026-01-01T00:00:00Z","fieldsV1":{"f:data":{"f:k":{}}}}],"mystery":"m-value"},
             "type":"Opaque","data":{"k":"aGVsbG8=","escaped":"aGVs\u0062G8=","bad":"not base64!","num":7},"stringData":{"plain":"tab\there"},"extra":{"hidden":"h-value"}}
            """;
        var doc = Digest(Secret);

        Assert.Equal(Sha("hello"), doc.GetProperty("data").GetProperty("k").GetProperty("sha256").GetString());
        Assert.Equal(Sha("hello"), doc.GetProperty("data").GetProperty("escaped").GetProperty("sha256").GetString());
        Assert.Equal(5, doc.GetProperty("data").GetProperty("escaped").GetProperty("length").GetInt32());
        Assert.Equal(Sha("not base64!"), doc.GetProperty("data").GetProperty("bad").GetProperty("sha256").GetString());
        Assert.Contains("not valid base64", doc.GetProperty("data").GetProperty("bad").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(doc.GetProperty("data").GetProperty("num").TryGetProperty("sha256", out _));
        Assert.Equal(Sha("tab\there"), doc.GetProperty("stringData").GetProperty("plain").GetProperty("sha256").GetString());
        Assert.Equal(Sha("xAy"), doc.GetProperty("metadata").GetProperty("annotations").GetProperty("a").GetProperty("sha256").GetString());
        Assert.Equal("kubectl", doc.GetProperty("metadata").GetProperty("managedFields")[0].GetProperty("manager").GetString());
        Assert.False(doc.GetProperty("metadata").GetProperty("managedFields")[0].TryGetProperty("fieldsV1", out _));
        Assert.Equal(["extra"], doc.GetProperty("otherFields").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["mystery"], doc.GetProperty("metadata").GetProperty("otherFields").EnumerateArray().Select(e => e.GetString()));
        string text = doc.GetRawText();
        foreach (string value in (string[])["aGVsbG8", "hello", "not base64", "tab", "m-value", "h-value", "xAy"])
        {
            Assert.DoesNotContain(value, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AnAnswerThatIsNotAnObjectIsRefused()
    {
        Assert.ThrowsAny<JsonException>(() => SecretDigest.Of(Encoding.UTF8.GetBytes("""["s3cr3t"]"""), "GET x"));
        Assert.ThrowsAny<JsonException>(() => SecretDigest.Of(Encoding.UTF8.GetBytes("password=s3cr3t"), "GET x"));
    }
}
