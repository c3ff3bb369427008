/**
 * Tenants, domains and routes: the tree reseller &gt; customer &gt; domain &gt; user, the settings
 * set at each level and their layered resolution into one effective policy per recipient, the route
 * of each domain, and relay control. {@link dev.mailfilter.tenant.TenantDirectory} is what the
 * engine asks; {@link dev.mailfilter.tenant.TenantConfig} builds one from the configuration file.
 * See {@code docs/tenants.md}.
 */
package dev.mailfilter.tenant;
