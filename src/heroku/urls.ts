/** The Heroku API URLs: HEROKU_API_URL / HEROKU_DATA_API_URL (the simulator), else Heroku's own. */
export function herokuApiUrls(env: NodeJS.ProcessEnv = process.env): {
  apiUrl: string
  dataApiUrl: string
} {
  return {
    apiUrl: env.HEROKU_API_URL || 'https://api.heroku.com',
    dataApiUrl: env.HEROKU_DATA_API_URL || 'https://api.data.heroku.com'
  }
}
