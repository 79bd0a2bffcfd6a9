namespace RocRouting.Bench;

public sealed record Percentiles(double P50, double P95, double P99, double P999, double Max, int Count)
{
    public static Percentiles Of(IReadOnlyCollection<double> values)
    {
        if (values.Count == 0)
        {
            return new(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, 0);
        }
        var sorted = values.Order().ToArray();
        double At(double q) => sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
        return new(Round(At(0.50)), Round(At(0.95)), Round(At(0.99)), Round(At(0.999)), Round(sorted[^1]), sorted.Length);
    }

    private static double Round(double v) => Math.Round(v, 2);

    public override string ToString() => $"p50 {P50,7:F1}  p95 {P95,7:F1}  p99 {P99,7:F1}  p99.9 {P999,7:F1}  max {Max,7:F1} ms  (n={Count})";
}
