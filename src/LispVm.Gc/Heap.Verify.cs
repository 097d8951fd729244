// Heap verifier (stub for the first API commit).
namespace LispVm.Gc
{
    public sealed unsafe partial class Heap
    {
        /// <summary>Checks heap invariants; returns a description of the first problem or null.</summary>
        public string Verify() { return null; }
        void VerifyValue(ulong v, ulong from) { }
    }
}
