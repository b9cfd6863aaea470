namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// Failures the stand-in plays on request, each shaped as the real kube-apiserver answers it:
/// RBAC denials, expired continue tokens, priority-and-fairness throttling, and servers that stop
/// answering. Thread-safe; faults added while a client runs apply from its next request.
/// </summary>
public sealed class StandInFaults
{
    private readonly Lock _lock = new();
    private readonly List<(string Resource, string? Ns, string Verb)> _forbidden = [];
    private readonly Dictionary<string, int> _expire = new(StringComparer.Ordinal);
    private readonly List<Countdown> _throttle = [];
    private readonly List<string> _hang = [];
    private readonly List<(string Prefix, TimeSpan Delay)> _slow = [];
    private readonly List<(string Prefix, int AfterBytes)> _stall = [];

    /// <summary>
    /// 403 Forbidden with the authorizer's message for <paramref name="resource"/> ("secrets",
    /// "clusterrolebindings", "pods/log") in namespace <paramref name="ns"/> (null: every
    /// namespace and the cluster scope) for <paramref name="verb"/> ("get", "list", "create"; "*": all).
    /// A list across all namespaces is refused when any namespace is: it needs cluster-wide access.
    /// </summary>
    public void Forbid(string resource, string? ns = null, string verb = "*")
    {
        lock (_lock)
        {
            _forbidden.Add((resource, ns, verb));
        }
    }

    /// <summary>The next <paramref name="times"/> list requests of <paramref name="resource"/> that carry a continue token get 410 Gone, reason Expired.</summary>
    public void ExpireContinue(string resource, int times = 1)
    {
        lock (_lock)
        {
            _expire[resource] = _expire.GetValueOrDefault(resource) + times;
        }
    }

    /// <summary>The next <paramref name="times"/> requests whose path starts with <paramref name="pathPrefix"/> get 429 with Retry-After.</summary>
    public void TooManyRequests(string pathPrefix, int times, int retryAfterSeconds)
    {
        lock (_lock)
        {
            _throttle.Add(new Countdown(pathPrefix, times, retryAfterSeconds));
        }
    }

    /// <summary>Requests whose path starts with <paramref name="pathPrefix"/> are accepted and never answered, until the client gives up or the server stops.</summary>
    public void Hang(string pathPrefix)
    {
        lock (_lock)
        {
            _hang.Add(pathPrefix);
        }
    }

    /// <summary>Requests whose path starts with <paramref name="pathPrefix"/> are answered after <paramref name="delay"/>.</summary>
    public void Slow(string pathPrefix, TimeSpan delay)
    {
        lock (_lock)
        {
            _slow.Add((pathPrefix, delay));
        }
    }

    /// <summary>Responses to paths starting with <paramref name="pathPrefix"/> send their headers and first <paramref name="afterBytes"/> bytes, then nothing more.</summary>
    public void StallBody(string pathPrefix, int afterBytes)
    {
        lock (_lock)
        {
            _stall.Add((pathPrefix, afterBytes));
        }
    }

    /// <summary>Removes every fault.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            _forbidden.Clear();
            _expire.Clear();
            _throttle.Clear();
            _hang.Clear();
            _slow.Clear();
            _stall.Clear();
        }
    }

    internal bool IsForbidden(string resource, string ns, bool allNamespaces, string verb)
    {
        lock (_lock)
        {
            return _forbidden.Any(f => f.Resource == resource
                && (f.Verb == "*" || f.Verb == verb)
                && (f.Ns is null || allNamespaces || f.Ns == ns));
        }
    }

    /// <summary>True (and one use spent) when this continued list of <paramref name="resource"/> is to expire.</summary>
    internal bool TakeExpiredContinue(string resource)
    {
        lock (_lock)
        {
            if (_expire.GetValueOrDefault(resource) <= 0)
            {
                return false;
            }
            _expire[resource]--;
            return true;
        }
    }

    /// <summary>The Retry-After seconds when this request is to be throttled (one use spent), else null.</summary>
    internal int? TakeThrottle(string path)
    {
        lock (_lock)
        {
            var c = _throttle.FirstOrDefault(t => t.Remaining > 0 && path.StartsWith(t.Prefix, StringComparison.Ordinal));
            if (c is null)
            {
                return null;
            }
            c.Remaining--;
            return c.RetryAfterSeconds;
        }
    }

    internal bool Hangs(string path)
    {
        lock (_lock)
        {
            return _hang.Any(p => path.StartsWith(p, StringComparison.Ordinal));
        }
    }

    internal TimeSpan DelayFor(string path)
    {
        lock (_lock)
        {
            return _slow.Where(s => path.StartsWith(s.Prefix, StringComparison.Ordinal)).Select(s => s.Delay).DefaultIfEmpty(TimeSpan.Zero).Max();
        }
    }

    internal int? StallAfter(string path)
    {
        lock (_lock)
        {
            return _stall.Where(s => path.StartsWith(s.Prefix, StringComparison.Ordinal)).Select(s => (int?)s.AfterBytes).FirstOrDefault();
        }
    }

    private sealed class Countdown(string prefix, int remaining, int retryAfterSeconds)
    {
        public string Prefix { get; } = prefix;

        public int Remaining { get; set; } = remaining;

        public int RetryAfterSeconds { get; } = retryAfterSeconds;
    }
}
