import { bool, ConfigError, int, list, loadConfig, str, url } from './config';

const schema = {
  port: int('PORT', 'listen port', { default: 8080 }),
  name: str('NAME', 'service name'),
  debug: bool('DEBUG', 'debug mode', { default: false }),
  target: url('TARGET', 'upstream'),
  hosts: list('HOSTS', 'hosts', { default: ['a'] }),
};

describe('loadConfig', () => {
  it('parses, applies defaults and freezes', () => {
    const config = loadConfig(schema, { NAME: 'x', TARGET: 'http://h:1/', PORT: '9', HOSTS: 'a, b' });
    expect(config).toEqual({ port: 9, name: 'x', debug: false, target: 'http://h:1', hosts: ['a', 'b'] });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every problem at once', () => {
    try {
      loadConfig(schema, { PORT: 'abc', DEBUG: 'maybe', TARGET: 'not a url' });
      throw new Error('expected ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems.join('\n')).toMatch(
        /PORT must be an integer[\s\S]*NAME is required[\s\S]*DEBUG must be true or false[\s\S]*TARGET must be a URL/,
      );
    }
  });

  // Issue 20, defect 3: no deployment runs with a secret printed in the repository.
  it('refuses a secret setting holding a value published in the repository, also as a tracking key', () => {
    const secrets = {
      token: str('TOKEN', 'admin token', { secret: true }),
      keys: list('KEYS', 'tracking keys', { secret: true }),
    };
    const refuse = (env: Record<string, string>): string[] => {
      try {
        loadConfig(secrets, env);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    };
    expect(refuse({ TOKEN: 'change-me', KEYS: '1:Y2Fpcm4tZGV2LXRyYWNraW5nLWtleS0wMDAwMDAwMDA=' })).toEqual([
      expect.stringMatching(/^TOKEN holds a value published/),
      expect.stringMatching(/^KEYS holds a value published/),
    ]);
    expect(refuse({ TOKEN: 'a-real-secret-0123456789', KEYS: '1:c2VjcmV0LXNlY3JldC1zZWNyZXQ=' })).toEqual([]);
    expect(loadConfig({ name: str('NAME', 'not a secret') }, { NAME: 'change-me' }).name).toBe('change-me');
  });
});
