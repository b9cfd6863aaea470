using System.Security.Cryptography;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Kubernetes.Api;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// One Secret a pod references. Its values never reach the archive unless the responder asked
/// with <c>--secret-values</c>: <c>secrets/NAME.json</c> is cfir's digest of it
/// (<see cref="SecretDigest"/>: keys, lengths, sha256), and only with the flag does
/// <c>secrets/NAME.server.json</c> hold the server's bytes. The answer is cleared from memory
/// as soon as it is digested (and, with the flag, stored); nothing of a value is logged, and a
/// Secret that is not JSON is not stored at all (its bytes could be the values).
/// </summary>
internal sealed class SecretEvidence(KubernetesRuntime runtime, IEvidenceSink sink)
{
    public async Task AddAsync(string ns, ReferenceSet.Reference reference, CancellationToken cancellationToken)
    {
        var evidence = runtime.Evidence;
        string path = ApiPaths.Namespaced("/api/v1", ns, "secrets", reference.Name);
        string entry = $"secrets/{EntryNames.Segment(reference.Name)}";
        byte[] bytes;
        try
        {
            bytes = await evidence.Api.GetBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex))
        {
            await sink.AddAsync(evidence.Failure(EvidenceSection.Metadata, entry + ".json", "GET", path, ex,
                $"{reference.Describe()}, but the API server has no such Secret (404)"), cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            byte[] digest;
            try
            {
                digest = SecretDigest.Of(bytes, "GET " + path);
            }
            catch (JsonException)
            {
                // The parser's message may quote the answer, and the answer may be the values.
                await sink.AddAsync(new EvidenceItem
                {
                    Section = EvidenceSection.Metadata,
                    Name = entry + ".json",
                    Status = EntryStatus.Failed,
                    Reason = $"the API server's answer ({bytes.Length} bytes) is not a JSON object: not stored, since it may hold the Secret's values",
                    Source = new EvidenceSource { Description = evidence.Describe("GET", path) },
                }, cancellationToken).ConfigureAwait(false);
                return;
            }
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, entry + ".json", digest,
                $"derived by cfir from {evidence.Describe("GET", path)} ({reference.Describe()}): the Secret's metadata and type, and for each key the decoded length and sha256 of its value; "
                + (runtime.SecretValues ? $"the values are in {entry}.server.json (--secret-values)" : "the values were not stored (--secret-values stores them)")), cancellationToken).ConfigureAwait(false);
            if (runtime.SecretValues)
            {
                await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, entry + ".server.json", bytes,
                    evidence.Describe("GET", path) + $" ({reference.Describe()}): the Secret as the server sent it, values included (--secret-values)"), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // The sink has read the content by the time AddAsync returns.
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
