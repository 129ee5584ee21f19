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
      expect(problems.join('\n')).toMatch(/PORT must be an integer[\s\S]*NAME is required[\s\S]*DEBUG must be true or false[\s\S]*TARGET must be a URL/);
    }
  });
});
