using System.Text.Json;
using ContainerForensics.Kubernetes.Api;
using ContainerForensics.Kubernetes.Collection;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// Who the API server takes cfir to be: its answer to a SelfSubjectReview
/// (https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/self-subject-review-v1/),
/// asked once at connection so every 403 record can name the identity that was refused.
/// A server older than 1.28 has no such API: the identity is then the kubeconfig's user, said so.
/// </summary>
internal sealed record ServerIdentity(string Description, byte[]? Document, Exception? Failure)
{
    public static readonly ServerIdentity Unknown = new("unknown (not asked)", null, null);

    public static async Task<ServerIdentity> AskAsync(KubernetesApi api, string path, CancellationToken cancellationToken)
    {
        byte[] body = """{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1"}"""u8.ToArray();
        try
        {
            byte[] answer = await api.PostBytesAsync(path, body, cancellationToken).ConfigureAwait(false);
            return new ServerIdentity(Describe(answer), answer, null);
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex))
        {
            return new ServerIdentity($"unknown (SelfSubjectReview failed: {ex.Message})", null, ex);
        }
    }

    /// <summary>"user U (uid X) in groups a, b" from status.userInfo.</summary>
    private static string Describe(byte[] answer)
    {
        try
        {
            using var doc = JsonDocument.Parse(answer);
            if (doc.RootElement.TryGetProperty("status", out var status) && status.TryGetProperty("userInfo", out var info))
            {
                string user = PodListing.Text(info, "username") ?? "(no username)";
                string? uid = PodListing.Text(info, "uid");
                var groups = info.TryGetProperty("groups", out var g) && g.ValueKind == JsonValueKind.Array
                    ? g.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).ToList() : [];
                return $"user {user}{(uid is null ? "" : $" (uid {uid})")}" + (groups.Count > 0 ? $" in groups {string.Join(", ", groups)}" : "");
            }
        }
        catch (JsonException)
        {
            // Described as unreadable below; the bytes are kept as evidence all the same.
        }
        return "unknown (the SelfSubjectReview answer had no status.userInfo)";
    }
}
