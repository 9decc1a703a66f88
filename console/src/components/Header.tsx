// The header on every page: the console's name, navigation, and who is signed in (user, tenant,
// roles from the token), with Sign out.
import { Badge, Button, Text } from "@fluentui/react-components";
import { AppLink, paths } from "../router";
import type { Session } from "../auth/session";

export function Header({ session }: { session: Session }) {
  return (
    <header className="app-header">
      <div className="brand"><Text weight="semibold" size={500}>keyward admin center</Text></div>
      <nav aria-label="Main" className="main-nav">
        <AppLink to={paths.policies()}>Enterprise policies</AppLink>
        <AppLink to={paths.environments()}>Environments</AppLink>
      </nav>
      <div className="who" data-testid="signed-in">
        <span><span className="visually-hidden">Signed in as </span><Text weight="semibold">{session.name}</Text></span>
        <span className="who-detail">Tenant: <span data-testid="tenant">{session.tenantName}</span></span>
        <span className="who-detail">Object id: <code>{session.oid}</code></span>
        <span className="roles" aria-label="Roles">
          {session.roles.length ? session.roles.map((r) => <Badge key={r} appearance="outline" color="brand">{r}</Badge>) : <Badge appearance="outline">no roles</Badge>}
        </span>
        <Button size="small" onClick={() => void session.signOut()}>Sign out</Button>
      </div>
    </header>
  );
}
