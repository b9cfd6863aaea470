using System.Text;
using ContainerForensics.Core.Evidence;
using static ContainerForensics.Kubernetes.Tests.PodContextFixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>Secrets a pod references: digests by default, values only with --secret-values.</summary>
public sealed class PodContextSecretTests
{
    [Fact]
    public async Task ADigestHoldsKeysLengthsAndHashesButNoValue()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var sink = await rig.CollectAsync(Ns, WebPod);

        var digest = sink["secrets/db-credentials.json"];
        Assert.Equal(EntryStatus.Collected, digest.Status);
        Assert.StartsWith("derived by cfir", digest.Item.Source!.Description, StringComparison.Ordinal);
        Assert.Contains("the values were not stored", digest.Item.Source.Description, StringComparison.Ordinal);
        var doc = digest.Json;
        var password = doc.GetProperty("data").GetProperty("password");
        Assert.Equal(SecretValueSha256, password.GetProperty("sha256").GetString());
        Assert.Equal(SecretValue.Length, password.GetProperty("length").GetInt32());
        Assert.Equal("8d9001d32c6a703d95921a77115050f33dd823d3f1730bd35215dcbecad6dc20", doc.GetProperty("data").GetProperty("username").GetProperty("sha256").GetString());
        Assert.Equal("Opaque", doc.GetProperty("type").GetString());
        var meta = doc.GetProperty("metadata");
        Assert.Equal("secret-0001", meta.GetProperty("uid").GetString());
        Assert.Equal("100", meta.GetProperty("resourceVersion").GetString());
        Assert.Equal("web", meta.GetProperty("labels").GetProperty("app").GetString());
        // Annotation keys stay; their values (last-applied-configuration holds the Secret) become hashes.
        var lastApplied = meta.GetProperty("annotations").GetProperty("kubectl.kubernetes.io/last-applied-configuration");
        Assert.Equal(64, lastApplied.GetProperty("sha256").GetString()!.Length);
        Assert.False(sink.Has("secrets/db-credentials.server.json"));
    }

    [Fact]
    public async Task TheValueAppearsInNoEntryNoDescriptionAndNoError()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var sink = await rig.CollectAsync(Ns, WebPod);

        Assert.Contains(SecretValue, rig.Cluster.Find("v1", "Secret", Ns, "db-credentials"), StringComparison.Ordinal);
        foreach (string form in (string[])[SecretValue, SecretValueBase64])
        {
            byte[] bytes = Encoding.UTF8.GetBytes(form);
            Assert.All(sink.Items, i =>
            {
                Assert.True(i.Content.AsSpan().IndexOf(bytes) < 0, $"{i.Item.Name} holds the value");
                Assert.DoesNotContain(form, i.Item.Source?.Description ?? "", StringComparison.Ordinal);
                Assert.DoesNotContain(form, i.Reason ?? "", StringComparison.Ordinal);
            });
            Assert.All(sink.ErrorTexts, e => Assert.DoesNotContain(form, e, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task WithSecretValuesTheServersBytesAreStoredBesideTheDigest()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var sink = await rig.CollectAsync(Ns, WebPod, secretValues: true);

        Assert.Equal(Encoding.UTF8.GetBytes(rig.Cluster.Find("v1", "Secret", Ns, "db-credentials")!), sink["secrets/db-credentials.server.json"].Content);
        Assert.Contains("--secret-values", sink["secrets/db-credentials.server.json"].Item.Source!.Description, StringComparison.Ordinal);
        Assert.Equal(SecretValueSha256, sink["secrets/db-credentials.json"].Json.GetProperty("data").GetProperty("password").GetProperty("sha256").GetString());
        Assert.True(sink.Has("secrets/regcred.server.json"));
    }

    [Fact]
    public async Task ForbiddenSecretsAreFailedEntriesNamingTheIdentityAndTheRestIsCollected()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        rig.Cluster.Faults.Forbid("secrets", Ns);
        var sink = await rig.CollectAsync(Ns, WebPod);

        foreach (string name in (string[])["secrets/db-credentials.json", "secrets/regcred.json"])
        {
            var failed = sink[name];
            Assert.Equal(EntryStatus.Failed, failed.Status);
            Assert.Contains("forbidden to", failed.Reason, StringComparison.Ordinal);
            Assert.Contains("kubernetes-admin", failed.Reason, StringComparison.Ordinal);
            Assert.Contains("cannot get resource \"secrets\"", failed.Reason, StringComparison.Ordinal);
            Assert.Contains("namespace \"shop\"", failed.Reason, StringComparison.Ordinal);
        }
        Assert.Equal(2, sink.Items.Count(i => i.Status == EntryStatus.Failed));
        Assert.Equal(EntryStatus.Collected, sink["configmaps/web-config.json"].Status);
        Assert.Equal(EntryStatus.Collected, sink["pvs/pv-data.json"].Status);
        Assert.Equal(EntryStatus.Collected, sink["rbac/grants.json"].Status);
        Assert.Empty(sink.ErrorTexts);
    }
}
