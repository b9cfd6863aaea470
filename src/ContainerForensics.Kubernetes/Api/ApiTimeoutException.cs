namespace ContainerForensics.Kubernetes.Api;

/// <summary>The API server did not answer a call (or stopped sending its body) within the call budget (<c>--timeout</c>); an I/O failure, so a stream it cuts is recorded as cut.</summary>
public sealed class ApiTimeoutException(string method, string path, TimeSpan budget, string what = "did not answer")
    : IOException($"{method} {path}: the API server {what} within {budget.TotalSeconds:0.###} s (--timeout)")
{
    public string Method { get; } = method;

    public string Path { get; } = path;
}
