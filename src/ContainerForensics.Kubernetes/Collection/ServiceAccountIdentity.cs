namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// A service account as the authorizer sees it: the user <c>system:serviceaccount:NS:NAME</c> in
/// the groups <c>system:serviceaccounts</c>, <c>system:serviceaccounts:NS</c> and
/// <c>system:authenticated</c> (https://kubernetes.io/docs/reference/access-authn-authz/service-accounts-admin/,
/// https://kubernetes.io/docs/reference/access-authn-authz/rbac/#service-account-permissions).
/// Which binding subjects apply to it follows the RBAC authorizer's <c>appliesToUser</c>
/// (kubernetes/kubernetes pkg/registry/rbac/validation/rule.go): a ServiceAccount subject of a
/// RoleBinding without a namespace means the binding's namespace.
/// </summary>
internal sealed record ServiceAccountIdentity(string Namespace, string Name)
{
    private const string AllServiceAccounts = "system:serviceaccounts";
    private const string Authenticated = "system:authenticated";
    private const string UserPrefix = "system:serviceaccount:";

    public string UserName => UserPrefix + Namespace + ":" + Name;

    public IReadOnlyList<string> Groups => [AllServiceAccounts, AllServiceAccounts + ":" + Namespace, Authenticated];

    /// <summary>The subjects of <paramref name="binding"/> that grant its role to this account.</summary>
    public IReadOnlyList<RbacSubject> SubjectsIn(RbacBinding binding) => [.. binding.Subjects.Where(s => AppliesTo(s, binding.Namespace))];

    private bool AppliesTo(RbacSubject subject, string? bindingNamespace) => subject.Kind switch
    {
        "User" => subject.Name == UserName,
        "Group" => Groups.Contains(subject.Name),
        "ServiceAccount" => subject.Name == Name && (string.IsNullOrEmpty(subject.Namespace) ? bindingNamespace : subject.Namespace) == Namespace,
        _ => false,
    };

    /// <summary>Whether a subject can apply to some service account: what a list keeps of a binding (<see cref="RbacBinding.KeepIfServiceAccounts"/>).</summary>
    public static bool MayBeServiceAccount(RbacSubject subject) => subject.Kind switch
    {
        "ServiceAccount" => true,
        "User" => subject.Name.StartsWith(UserPrefix, StringComparison.Ordinal),
        "Group" => subject.Name is AllServiceAccounts or Authenticated || subject.Name.StartsWith(AllServiceAccounts + ":", StringComparison.Ordinal),
        _ => false,
    };
}
