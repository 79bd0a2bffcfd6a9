using Npgsql;

namespace RocRouting.Data;

/// <summary>
/// A prepared statement over several rows (<c>unnest</c> of arrays) looks dearer in a generic plan,
/// which cannot see how long the arrays are, than in a custom one, so PostgreSQL planned it afresh on
/// every call (pg_stat_statements, README). Put first in a batch (one transaction), this command
/// lets the rest of that transaction reuse their plans; the setting ends with the transaction.
/// It returns one row, which the reader skips.
/// </summary>
internal static class GenericPlans
{
    public static NpgsqlBatchCommand Command() => new("SELECT set_config('plan_cache_mode', 'force_generic_plan', true)");
}
