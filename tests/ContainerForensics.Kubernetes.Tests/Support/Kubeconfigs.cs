namespace ContainerForensics.Kubernetes.Tests.Support;

/// <summary>Kubeconfig text for fixtures: one context, its cluster and its user, with the user's fields as YAML lines.</summary>
internal static class Kubeconfigs
{
    /// <summary>
    /// A kubeconfig with one context <paramref name="context"/> → cluster <paramref name="cluster"/>
    /// at <paramref name="server"/> and user <paramref name="user"/>; <paramref name="userFields"/>
    /// and <paramref name="clusterFields"/> are YAML lines indented under "user:" and "cluster:".
    /// </summary>
    public static string One(string context = "ctx", string cluster = "cl", string user = "u", string server = "https://127.0.0.1:6443",
        string? currentContext = "ctx", string userFields = "token: t0k3n", string clusterFields = "insecure-skip-tls-verify: false", string? ns = null) => $"""
        apiVersion: v1
        kind: Config
        {(currentContext is null ? "" : $"current-context: {currentContext}")}
        clusters:
        - name: {cluster}
          cluster:
            server: {server}
        {Indent(clusterFields, 4)}
        contexts:
        - name: {context}
          context:
            cluster: {cluster}
            user: {user}
        {(ns is null ? "" : $"    namespace: {ns}")}
        users:
        - name: {user}
          user:
        {Indent(userFields, 4)}
        """;

    private static string Indent(string lines, int spaces) =>
        string.Join('\n', lines.Split('\n').Select(l => new string(' ', spaces) + l));
}
