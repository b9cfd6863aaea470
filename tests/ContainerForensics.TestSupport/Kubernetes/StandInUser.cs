namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// Who a request is, as the real server's authenticator hands it on (user.Info) and as
/// SelfSubjectReview reports it (status.userInfo:
/// https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/self-subject-review-v1/).
/// </summary>
/// <param name="Username">status.userInfo.username, and the "User" of Forbidden messages.</param>
/// <param name="Uid">status.userInfo.uid; null leaves it out, as for client certificates.</param>
/// <param name="Groups">status.userInfo.groups.</param>
/// <param name="Extra">status.userInfo.extra (e.g. authentication.kubernetes.io/credential-id), or null.</param>
public sealed record StandInUser(
    string Username,
    string? Uid,
    IReadOnlyList<string> Groups,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Extra = null)
{
    /// <summary>What kubeadm's admin.conf user is: the bearer token's identity unless a test sets another.</summary>
    public static StandInUser Admin { get; } = new("kubernetes-admin", null, ["kubeadm:cluster-admins", "system:authenticated"]);

    /// <summary>A service account's token identity (system:serviceaccount:NS:NAME with its groups).</summary>
    public static StandInUser ServiceAccount(string ns, string name, string uid) =>
        new($"system:serviceaccount:{ns}:{name}", uid, ["system:serviceaccounts", $"system:serviceaccounts:{ns}", "system:authenticated"]);
}
