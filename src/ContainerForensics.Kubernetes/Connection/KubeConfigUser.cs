using ContainerForensics.Core;
using k8s.KubeConfigModels;

namespace ContainerForensics.Kubernetes.Connection;

/// <summary>
/// A kubeconfig user (client-go's AuthInfo) as cfir judges it before anything is run: how it
/// authenticates, whether it would run a program or ask a third party for credentials, and the
/// part of it the library is handed.
/// </summary>
internal sealed record KubeConfigUser(string Name, User User, string File, string? TokenFile)
{
    private UserCredentials? Credentials => User.UserCredentials;

    /// <summary>users[].exec: a program the kubeconfig names, run to get a credential.</summary>
    public ExternalExecution? Exec => Credentials?.ExternalExecution;

    /// <summary>users[].auth-provider: a credential from a third party (an OIDC issuer, a cloud).</summary>
    public AuthProvider? AuthProvider => Credentials?.AuthProvider;

    /// <summary>The exec plugin's command line as the kubeconfig gives it (a relative path resolved against its file's directory).</summary>
    public string? ExecCommand => Exec is { } exec
        ? string.Join(' ', [exec.Command ?? "", .. exec.Arguments ?? []])
        : null;

    /// <summary>
    /// How this user authenticates, by the first of: exec, auth-provider:NAME, token,
    /// token-file, basic, client-certificate, none. A bearer credential and a client certificate
    /// may come together; the bearer one is named. A static token wins over tokenFile, as in
    /// client-go (tools/clientcmd/client_config.go, getUserIdentificationPartialConfig).
    /// </summary>
    public string Authentication
    {
        get
        {
            var c = Credentials;
            if (c?.ExternalExecution is not null)
            {
                return "exec";
            }
            if (c?.AuthProvider is { } provider)
            {
                return "auth-provider:" + OneLine.Clean(provider.Name);
            }
            if (!string.IsNullOrEmpty(c?.Token))
            {
                return "token";
            }
            if (TokenFile is not null)
            {
                return "token-file";
            }
            if (!string.IsNullOrEmpty(c?.UserName) || !string.IsNullOrEmpty(c?.Password))
            {
                return "basic";
            }
            if (HasClientCertificate)
            {
                return "client-certificate";
            }
            return "none";
        }
    }

    private bool HasClientCertificate =>
        Credentials is { } c
        && (!string.IsNullOrEmpty(c.ClientCertificateData) || !string.IsNullOrEmpty(c.ClientCertificate)
            || !string.IsNullOrEmpty(c.ClientKeyData) || !string.IsNullOrEmpty(c.ClientKey));

    /// <summary>
    /// Throws unless the responder allowed it, when this user would run an exec credential
    /// plugin or use an auth provider. Checked before the library sees the user: its
    /// BuildConfigFromConfigObject runs users[].exec.command while it builds the configuration.
    /// </summary>
    public void RefusePlugins(string context, bool allowed)
    {
        if (allowed)
        {
            return;
        }
        const string Why = "A kubeconfig on a compromised host may be the attacker's";
        if (Exec is not null)
        {
            throw new CfirException(ExitCode.UsageError,
                $"kubeconfig user '{OneLine.Clean(Name)}' (context '{OneLine.Clean(context)}') would run an exec credential plugin: '{OneLine.Clean(ExecCommand)}'; not run. {Why}: give --allow-exec-plugin to run it");
        }
        if (AuthProvider is { } provider)
        {
            throw new CfirException(ExitCode.UsageError,
                $"kubeconfig user '{OneLine.Clean(Name)}' (context '{OneLine.Clean(context)}') would use the auth provider '{OneLine.Clean(provider.Name)}'; not used. {Why}: give --allow-exec-plugin to use it");
        }
    }

    /// <summary>
    /// Checks what this user names before the library reads it at some later, less explicable
    /// moment: the client certificate and key (a usable pair, <see cref="PemMaterial"/>) and the
    /// token file (a readable regular file).
    /// </summary>
    public void RequireCredentials()
    {
        string whose = $"kubeconfig user '{OneLine.Clean(Name)}' ({File})";
        if (Credentials is { } c)
        {
            PemMaterial.RequireClientPair(c.ClientCertificateData, c.ClientCertificate, c.ClientKeyData, c.ClientKey, whose);
        }
        if (TokenFile is not null && string.IsNullOrEmpty(Credentials?.Token))
        {
            LocalFiles.RequireReadable(TokenFile, whose + ": tokenFile");
        }
    }

    /// <summary>
    /// The user as the library is given it: null when it carries nothing the library
    /// understands (no credentials at all, or only a tokenFile, which cfir sets up itself), since
    /// the library refuses a user without credentials while kubectl goes on anonymously.
    /// </summary>
    public User? ForLibrary()
    {
        var c = Credentials;
        bool any = c is not null
            && (!string.IsNullOrEmpty(c.Token) || !string.IsNullOrEmpty(c.UserName) || !string.IsNullOrEmpty(c.Password)
                || HasClientCertificate || c.AuthProvider is not null || c.ExternalExecution is not null);
        return any ? User : null;
    }
}
