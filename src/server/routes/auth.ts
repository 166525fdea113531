// Signing in and out (the console's session cookie), who am I, and the management of users and API
// keys by admins. Every change is written to the audit trail under the authenticated identity.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type AccessControl, AuthError } from '../../auth/index.ts';
import { ROLES } from '../../auth/roles.ts';
import type { Store } from '../../store/index.ts';
import { principalOf, SESSION_COOKIE, setSessionCookie, toApiError } from '../authenticate.ts';
import { ApiError, ErrorBody } from '../errors.ts';

const Role = Type.String({ enum: [...ROLES] });
const Me = Type.Object({
  user: Type.String(),
  role: Role,
  via: Type.String({ enum: ['api-key', 'session'] }),
  csrfToken: Type.Optional(Type.String({ description: 'send it as x-csrf-token on every change' })),
  expiresAt: Type.Optional(Type.Integer()),
});
const User = Type.Object({
  name: Type.String(),
  role: Type.Union([Role, Type.Null()]),
  source: Type.String(),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
});
const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  owner: Type.String(),
  role: Type.Union([Role, Type.Null()]),
  createdAt: Type.Integer(),
  expiresAt: Type.Union([Type.Integer(), Type.Null()]),
  lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
  revokedAt: Type.Union([Type.Integer(), Type.Null()]),
});
const UserName = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }) });
const Errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

export const authRoutes: FastifyPluginAsyncTypebox<{
  access: AccessControl;
  store: Store;
  tls: boolean;
}> = async (app, { access, store, tls }) => {
  const audit = (who: string, command: string, params: Record<string, unknown>) =>
    store.commandRuns.add({ who, instance: null, command, params, outcome: 'Successful' });
  const guard = async <T>(f: () => T | Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (err) {
      throw toApiError(err);
    }
  };

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public' },
      schema: {
        summary: 'Sign in: sets the session cookie and returns the CSRF token for changes',
        tags: ['auth'],
        body: Type.Object(
          {
            user: Type.String({ minLength: 1, maxLength: 64 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: Me, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody },
      },
    },
    async (req, reply) => {
      try {
        const s = await access.login(req.body.user, req.body.password, req.ip);
        setSessionCookie(reply, s, tls);
        await audit(s.principal.label, 'auth.login', { address: req.ip });
        return {
          user: s.principal.user,
          role: s.principal.role,
          via: 'session',
          csrfToken: s.principal.csrf,
          expiresAt: s.expiresAt,
        };
      } catch (err) {
        if (err instanceof AuthError && err.retryAfterSeconds)
          reply.header('retry-after', String(err.retryAfterSeconds));
        throw toApiError(err);
      }
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Sign out: ends the session',
        tags: ['auth'],
        response: { 204: Type.Null(), 401: ErrorBody },
      },
    },
    async (req, reply) => {
      const id = req.cookies[SESSION_COOKIE];
      if (id) await access.logout(id);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/auth/me',
    {
      config: { access: 'viewer' },
      schema: {
        summary: 'Who the caller is, and its role',
        tags: ['auth'],
        response: { 200: Me, 401: ErrorBody },
      },
    },
    async (req) => {
      const p = principalOf(req);
      return { user: p.user, role: p.role, via: p.via, csrfToken: p.csrf };
    },
  );

  app.get(
    '/api/users',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Users and their roles',
        tags: ['auth'],
        response: { 200: Type.Array(User), ...Errors },
      },
    },
    async () => access.listUsers(),
  );

  app.post(
    '/api/users',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Add a user',
        tags: ['auth'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 64 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
            role: Role,
          },
          { additionalProperties: false },
        ),
        response: { 201: User, ...Errors },
      },
    },
    async (req, reply) => {
      const { name, password, role } = req.body;
      await guard(() => access.addUser(name, password, role as (typeof ROLES)[number]));
      await audit(principalOf(req).label, 'user.add', { name, role });
      return reply.status(201).send((await access.listUsers()).find((u) => u.name === name)!);
    },
  );

  app.put(
    '/api/users/:name/role',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Change a user's role",
        tags: ['auth'],
        params: UserName,
        body: Type.Object({ role: Role }, { additionalProperties: false }),
        response: { 200: User, ...Errors },
      },
    },
    async (req) => {
      await guard(() => access.setRole(req.params.name, req.body.role as (typeof ROLES)[number]));
      await audit(principalOf(req).label, 'user.role', { name: req.params.name, role: req.body.role });
      return (await access.listUsers()).find((u) => u.name === req.params.name)!;
    },
  );

  app.put(
    '/api/auth/password',
    {
      // Your own password, from a signed-in session, with the current one: an API key acts for its owner
      // with less power and must never become the owner's password.
      config: { access: 'viewer' },
      schema: {
        summary: 'Change your own password (from a session, giving the current one); other sessions end',
        tags: ['auth'],
        body: Type.Object(
          {
            currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
            password: Type.String({ minLength: 1, maxLength: 1024 }),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...Errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      if (p.via !== 'session')
        throw new ApiError('forbidden', 'change a password from a signed-in session, not with an API key');
      if (!(await access.checkPassword(p.user, req.body.currentPassword)))
        throw new ApiError('forbidden', 'the current password is wrong');
      await guard(() => access.setPassword(p.user, req.body.password));
      await audit(p.label, 'user.passwd', { name: p.user });
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/api/users/:name/password',
    {
      config: { access: 'admin' },
      schema: {
        summary: "Set a user's password (admin); the user's sessions end",
        tags: ['auth'],
        params: UserName,
        body: Type.Object(
          { password: Type.String({ minLength: 1, maxLength: 1024 }) },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...Errors },
      },
    },
    async (req, reply) => {
      await guard(() => access.setPassword(req.params.name, req.body.password));
      await audit(principalOf(req).label, 'user.passwd', { name: req.params.name });
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/api/users/:name',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Remove a user, its sessions and its API keys',
        tags: ['auth'],
        params: UserName,
        response: { 204: Type.Null(), ...Errors },
      },
    },
    async (req, reply) => {
      await guard(() => access.removeUser(req.params.name));
      await audit(principalOf(req).label, 'user.remove', { name: req.params.name });
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/apikeys',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'API keys (never the keys themselves)',
        tags: ['auth'],
        response: { 200: Type.Array(ApiKey), ...Errors },
      },
    },
    async () => access.listApiKeys(),
  );

  app.post(
    '/api/apikeys',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Create an API key: the key is in this answer only',
        tags: ['auth'],
        body: Type.Object(
          {
            name: Type.String({ minLength: 1, maxLength: 100 }),
            role: Role,
            owner: Type.Optional(
              Type.String({ minLength: 1, maxLength: 64, description: 'default: the caller' }),
            ),
            expiresAt: Type.Optional(Type.Integer({ description: 'epoch ms' })),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ ...ApiKey.properties, key: Type.String() }), ...Errors },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const key = await guard(() =>
        access.createApiKey({
          owner: req.body.owner ?? p.user,
          name: req.body.name,
          role: req.body.role as (typeof ROLES)[number],
          expiresAt: req.body.expiresAt ?? null,
        }),
      );
      await audit(p.label, 'apikey.create', { id: key.id, name: key.name, owner: key.owner, role: key.role });
      return reply.status(201).send(key);
    },
  );

  app.delete(
    '/api/apikeys/:id',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Revoke an API key',
        tags: ['auth'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) }),
        response: { 204: Type.Null(), ...Errors },
      },
    },
    async (req, reply) => {
      await guard(() => access.revokeApiKey(req.params.id));
      await audit(principalOf(req).label, 'apikey.revoke', { id: req.params.id });
      return reply.status(204).send(null);
    },
  );
};
