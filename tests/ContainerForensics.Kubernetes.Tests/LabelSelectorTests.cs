using System.Text.Json;
using ContainerForensics.Kubernetes.Collection;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>Label selectors as the API server evaluates them, for the NetworkPolicies that select a pod.</summary>
public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> Labels = new(StringComparer.Ordinal) { ["app"] = "web", ["tier"] = "front" };

    [Theory]
    [InlineData("""{}""", true)]
    [InlineData("""{"matchLabels":{"app":"web"}}""", true)]
    [InlineData("""{"matchLabels":{"app":"web","tier":"back"}}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"app","operator":"In","values":["api","web"]}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"app","operator":"NotIn","values":["web"]}]}""", false)]
    [InlineData("""{"matchExpressions":[{"key":"env","operator":"NotIn","values":["prod"]}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"Exists"}]}""", true)]
    [InlineData("""{"matchExpressions":[{"key":"tier","operator":"DoesNotExist"}]}""", false)]
    [InlineData("""{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"env","operator":"Exists"}]}""", false)]
    public void Matches(string selector, bool expected)
    {
        using var doc = JsonDocument.Parse(selector);
        Assert.Equal(expected, LabelSelector.Parse(doc.RootElement)!.Matches(Labels));
    }

    [Theory]
    [InlineData("""{"matchExpressions":[{"key":"app","operator":"Gt","values":["1"]}]}""")]
    [InlineData("""{"matchLabels":{"app":1}}""")]
    [InlineData("""[]""")]
    public void WhatCfirCannotEvaluateIsNull(string selector)
    {
        using var doc = JsonDocument.Parse(selector);
        Assert.Null(LabelSelector.Parse(doc.RootElement));
    }
}
