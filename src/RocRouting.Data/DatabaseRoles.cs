using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;

namespace RocRouting.Data;

/// <summary>
/// Least privilege in the database. The migrate step connects as the schema's owner; the API and the
/// worker connect as an application role that the owner grants only data access: no DDL (so no
/// <c>ALTER TABLE ... DISABLE TRIGGER</c>), no <c>TRUNCATE</c> anywhere, and only <c>INSERT</c> and
/// <c>SELECT</c> on the audit trail and the migration history. The roles themselves are made by
/// whoever runs the server (run.sh, compose's init script, CloudNativePG's managed roles), because
/// creating roles is a cluster-wide right the schema owner should not hold.
/// </summary>
public static partial class DatabaseRoles
{
    /// <summary>Configuration key naming the role the serving processes connect as.</summary>
    public const string ApplicationRoleSetting = "Database:ApplicationRole";

    /// <summary>
    /// Grants <paramref name="role"/> exactly the application's rights on every table and sequence,
    /// revoking anything granted before; run after every migration so new tables are covered.
    /// </summary>
    public static async Task GrantApplicationRoleAsync(RocDbContext db, string role, CancellationToken cancellationToken)
    {
        if (!RoleName().IsMatch(role))
        {
            throw new ArgumentException($"'{role}' is not a plain role name (lower-case letters, digits and underscores).", nameof(role));
        }
        var exists = await db.Database.SqlQuery<bool>($"SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {role}) AS \"Value\"")
            .SingleAsync(cancellationToken);
        if (!exists)
        {
            throw new InvalidOperationException($"The application role '{role}' does not exist; create it (LOGIN, no other attributes) before migrating.");
        }
        var owner = await db.Database.SqlQuery<bool>(
            $"SELECT (rolsuper OR pg_has_role(rolname, current_user, 'MEMBER')) AS \"Value\" FROM pg_roles WHERE rolname = {role}")
            .SingleAsync(cancellationToken);
        if (owner)
        {
            throw new InvalidOperationException($"The application role '{role}' is a superuser or a member of the migrating role: grants would not bind it.");
        }
        // The role name is checked above against a pattern that cannot close the quotes.
#pragma warning disable EF1002
        await db.Database.ExecuteSqlRawAsync($"""
            REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}";
            REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM "{role}";
            GRANT USAGE ON SCHEMA public TO "{role}";
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "{role}";
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}";
            REVOKE UPDATE, DELETE ON audit_entries FROM "{role}";
            REVOKE INSERT, UPDATE, DELETE ON "__EFMigrationsHistory" FROM "{role}";
            """, cancellationToken);
#pragma warning restore EF1002
    }

    /// <summary>
    /// Why the current connection is more than an application role (a superuser, or the owner of the
    /// audit trail, who can disable its triggers), or null when it is not.
    /// </summary>
    public static async Task<string?> ExcessPrivilegeAsync(RocDbContext db, CancellationToken cancellationToken)
    {
        // One row, two flags: 2 for a superuser, 1 for a member of the audit trail's owner.
        var flags = await db.Database.SqlQuery<int>($"""
            SELECT (CASE WHEN r.rolsuper THEN 2 ELSE 0 END) + (CASE WHEN pg_has_role(current_user, c.relowner, 'MEMBER') THEN 1 ELSE 0 END) AS "Value"
            FROM pg_roles r, pg_class c
            WHERE r.rolname = current_user AND c.oid = 'audit_entries'::regclass
            """).SingleAsync(cancellationToken);
        var (superuser, owner) = ((flags & 2) != 0, (flags & 1) != 0);
        return superuser ? "connected as a superuser"
            : owner ? "connected as the owner of the schema, who can disable the audit trail's triggers"
            : null;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex RoleName();
}
