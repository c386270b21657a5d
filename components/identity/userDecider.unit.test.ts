import type { UserAdded } from '../../contracts/identity';
import { spec } from '../../test/support/deciderSpec';
import { userDecider } from './userDecider';

const alice: UserAdded = {
  id: '8b0c8a3e-1c1d-5d2e-9f00-0a1b2c3d4e5f',
  auth0Id: 'auth0|alice',
  email: 'alice@example.com',
  emailVerified: true,
  firstName: 'Alice',
  lastName: 'Liddell',
  picture: 'https://example.com/a.png',
  locale: 'en',
};

describe('user decider', () => {
  const user = spec(userDecider);

  it('registers a new user', () => {
    user.given().when({ type: 'AddUser', data: alice }).then({ type: 'UserAdded', data: alice });
  });

  it('refuses to register the same subject twice', () => {
    user
      .given({ type: 'UserAdded', data: alice })
      .when({ type: 'AddUser', data: alice })
      .thenRefused('already_exists', /auth0\|alice/);
  });

  it('modifies a registered user with just the fields given', () => {
    user
      .given({ type: 'UserAdded', data: alice })
      .when({ type: 'ModifyUser', data: { firstName: 'Al' } })
      .then({ type: 'UserModified', data: { firstName: 'Al' } });
  });

  it('refuses to modify someone who never registered', () => {
    user
      .given()
      .when({ type: 'ModifyUser', data: { locale: 'fr' } })
      .thenRefused('not_found');
  });

  it('folds modifications over the registration', () => {
    const state = [
      { type: 'UserAdded' as const, data: alice },
      { type: 'UserModified' as const, data: { firstName: 'Al', locale: 'fr' } },
      { type: 'UserModified' as const, data: { lastName: 'L.' } },
    ].reduce(userDecider.evolve, userDecider.initialState());
    expect(state).toEqual({
      registered: true,
      user: { ...alice, firstName: 'Al', locale: 'fr', lastName: 'L.' },
    });
  });
});
