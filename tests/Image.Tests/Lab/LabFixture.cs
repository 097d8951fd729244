// Why: one Dom0 boot per test run. xunit creates this collection fixture even when every
// lab test is skipped, so the lab starts lazily on first use; a failed start is remembered
// and reported by every test instead of booting again. [LabFact] skips the tests unless
// LISPVM_LAB=1, so the fast suite stays fast.
using Xunit;

namespace Image.Tests.Lab;

public sealed class LabFixture : IDisposable
{
    private readonly Lazy<LabDriver> _lab = new(() => LabDriver.Start(KernelImage.RepoRoot()));

    public LabDriver Lab => _lab.Value;

    public void Dispose()
    {
        if (_lab.IsValueCreated) _lab.Value.Dispose();
    }
}

[CollectionDefinition("Xen lab")]
public sealed class LabCollection : ICollectionFixture<LabFixture> { }

public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute()
    {
        string why = LabDriver.SkipReason();
        if (why != null) Skip = why;
    }
}
